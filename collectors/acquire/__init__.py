"""Deep acquisition and recovery (issue 6): memory (B6), packet capture (B7), disk images (B9), deleted
files, carving and deleted-but-open files (H4).

Algorithms that need no case (each a generator yielding `common.Progress`, honouring a cancel Event):
    imaging.image_source      raw image: split parts, SHA-256 + MD5 while read, resumable, bad sectors
    recover.scan_deleted      deleted files via pytsk3 with a recoverability verdict; read_deleted
    carve.carve               JPEG/PNG/PDF/ZIP-Office/EML/mbox by signature over byte ranges
    memory.dump_process_linux /proc/PID/mem dump + map; dump_process_windows (MiniDumpWriteDump)
    memory.write_lime         ELF core (/proc/kcore) -> LiME; physical_memory_blockers says why not
    openfiles.*               deleted files still held open (/proc/PID/fd)
    capture.capture           scapy capture to pcap/pcapng + conversation summary
Wired to the case (evidence store + custody): `store.*_into_case`; as checklist collectors: `collectors`.
"""
