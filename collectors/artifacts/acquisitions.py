"""The heavy acquisitions (collectors/acquire/) as checklist collectors: opt-in, each names what it needs.

process_dump and physical_memory (B6), packet_capture (B7), disk_image (B9), deleted_files and
open_deleted_files (H4). Importing them here registers them with the runner and the GUI.
"""
from ..acquire.collectors import (  # noqa: F401 - imported to register them
    DeletedFiles,
    DiskImage,
    OpenDeletedFiles,
    PacketCapture,
    PhysicalMemory,
    ProcessDump,
)
