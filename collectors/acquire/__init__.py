"""The heavy acquisition engines: plain functions that know nothing of cases. Each takes a source, a
sink (or an output folder it owns), a ``progress`` callback and a ``cancel`` flag (a `threading.Event` or
a callable returning True), and returns its result. A raised flag is seen between units of work; the
engine then returns normally with what it has: a result with ``cancelled`` set (ImageResult, ScanResult,
ProcessDump, the LiME dict), or a shorter list or copy (carve, read_deleted, copy_open_deleted, whose
caller raised the flag and knows). None of them raises for a cancel:

    imaging.image_source      raw image: split parts, SHA-256 + MD5 while read, resumable, bad sectors
    recover.scan_deleted      deleted files via pytsk3 with a recoverability verdict; read_deleted
    carve.carve               JPEG/PNG/PDF/ZIP-Office/EML/mbox by signature over byte ranges
    memory.dump_process_linux /proc/PID/mem dump + map; dump_process_windows (MiniDumpWriteDump)
    memory.write_lime         ELF core (/proc/kcore) -> LiME; physical_memory_blockers says why not
    openfiles.*               deleted files still held open (/proc/PID/fd)
    capture.capture           scapy capture to pcap/pcapng + conversation summary

The collectors that run them and store what they produce are ordinary checklist collectors in
collectors/artifacts/ (disk_image, deleted_files, open_deleted_files, process_dump, physical_memory,
packet_capture).
"""
