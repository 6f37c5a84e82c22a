"""B7: packet capture on loopback (127.0.0.1 only) and the refusal without capture rights."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

from collectors.acquire import capture
from collectors.errors import NotApplicable, SourceError
from collectors.messages import translate

from .conftest import needs_root


def _udp_pair():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.bind(("127.0.0.1", 0))
    return rx, tx


@needs_root
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET on Linux")
def test_capture_on_loopback_sees_the_packets_sent(tmp_path):
    rx, tx = _udp_pair()
    port, sport = rx.getsockname()[1], tx.getsockname()[1]
    payloads = [f"ungcuu-probe-{i}".encode() for i in range(6)]

    def send():
        for p in payloads:
            tx.sendto(p, ("127.0.0.1", port))

    buf = bytearray()
    try:
        res = capture.capture(["lo"], buf.extend, count=None, seconds=1.0, on_started=send)
    finally:
        rx.close()
        tx.close()
    pcap = tmp_path / "c.pcap"
    pcap.write_bytes(buf)
    from scapy.layers.inet import UDP
    from scapy.utils import rdpcap

    packets = rdpcap(str(pcap))
    ours = [bytes(p[UDP].payload) for p in packets if UDP in p and p[UDP].dport == port]
    # Linux shows a loopback packet twice (outgoing and incoming): each probe at least once, in order.
    assert [p for i, p in enumerate(ours) if p not in ours[:i]] == payloads
    assert res.packets == len(packets) and res.stopped_by == "time"
    conv = [c for c in res.conversations if c["proto"] == "udp" and {c["a_port"], c["b_port"]} == {port, sport}]
    assert len(conv) == 1
    c = conv[0]
    assert c["a"] == c["b"] == "127.0.0.1"
    assert c["packets"] == len(ours)
    assert c["bytes"] == sum(len(p) for p in packets if UDP in p and p[UDP].dport == port)


@needs_root
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET on Linux")
def test_capture_stops_at_count_and_on_cancel():
    rx, tx = _udp_pair()
    port = rx.getsockname()[1]
    stop_sending = threading.Event()

    def flood():
        while not stop_sending.is_set():
            tx.sendto(b"x", ("127.0.0.1", port))
            stop_sending.wait(0.005)

    t = threading.Thread(target=flood, daemon=True)
    try:
        res = capture.capture(["lo"], bytearray().extend, seconds=20, count=5, on_started=t.start)
        assert res.stopped_by == "count" and res.packets >= 5
        cancel = threading.Event()
        items = []

        def on_item(item):
            items.append(item)
            if len(items) == 2:
                cancel.set()

        res = capture.capture(["lo"], bytearray().extend, seconds=20, cancel=cancel, progress=on_item)
        assert res.stopped_by == "cancel" and res.seconds < 20
    finally:
        stop_sending.set()
        rx.close()
        tx.close()


@needs_root
def test_capture_refused_without_rights_is_clear():
    code = (
        "import os\n"
        "from collectors.acquire import capture\n"
        ""
        "from collectors.errors import AccessDenied\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "print('REASON', capture.capture_blocker())\n"
        "try:\n"
        "    capture.capture(['lo'], lambda b: None, seconds=1)\n"
        "except AccessDenied as exc:\n"
        "    print('DENIED', exc)\n"
    )
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)
    reason = out.stdout.split("REASON ", 1)[1].splitlines()[0]
    assert translate(reason).startswith("không có quyền bắt gói tin"), out.stderr
    assert "DENIED" in out.stdout and "root" in out.stdout


def test_capture_needs_a_limit_and_a_real_interface():
    if capture.capture_blocker():
        pytest.skip("no capture rights here: covered by the refusal test")
    with pytest.raises(NotApplicable):
        capture.capture(["lo"], bytearray().extend, seconds=None, count=None)
    with pytest.raises(SourceError, match="ungcuu-nope0"):
        capture.capture(["ungcuu-nope0"], bytearray().extend, seconds=1)


def test_conversation_table_groups_both_directions():
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    table = capture.ConversationTable()
    a = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=50000, dport=443) / b"hello"
    b = Ether() / IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=443, dport=50000) / b"world!!"
    a.time, b.time = 1700000000.0, 1700000001.5
    for p in (a, b, a):
        table.add(p)
    (c,) = table.summary()
    assert (c["a"], c["a_port"], c["b"], c["b_port"]) == ("10.0.0.1", 50000, "10.0.0.2", 443)
    assert c["packets"] == 3 and c["packets_a_to_b"] == 2 and c["packets_b_to_a"] == 1
    assert c["bytes"] == 2 * len(a) + len(b)
    assert c["first_seen"] == "2023-11-14T22:13:20.000000Z" and c["last_seen"] == "2023-11-14T22:13:21.500000Z"


@needs_root
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET on Linux")
def test_capture_on_two_interfaces_writes_pcapng_with_the_interface(tmp_path):
    # A second interface that reaches nothing: a TUN device made for the test (raw IP link type, so the
    # file mixes two link types, which only pcapng can hold).
    tun = f"ucut{os.getpid() % 100000}"
    made = subprocess.run(["ip", "tuntap", "add", "dev", tun, "mode", "tun"], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot create a TUN interface: {made.stderr.decode().strip()}")
    rx, tx = _udp_pair()
    port = rx.getsockname()[1]
    buf = bytearray()
    try:
        subprocess.run(["ip", "link", "set", tun, "up"], check=True)
        res = capture.capture(["lo", tun], buf.extend, seconds=0.5,
                                    on_started=lambda: tx.sendto(b"two-ifaces", ("127.0.0.1", port)))
    finally:
        rx.close()
        tx.close()
        subprocess.run(["ip", "link", "del", tun], capture_output=True)
    assert bytes(buf[:4]) == b"\n\r\r\n"  # pcapng section header block
    (tmp_path / "c.pcapng").write_bytes(buf)
    from scapy.layers.inet import UDP
    from scapy.utils import rdpcap

    packets = rdpcap(str(tmp_path / "c.pcapng"))
    ours = [p for p in packets if UDP in p and p[UDP].dport == port]
    assert ours and all(p.sniffed_on == "lo" for p in ours)
    assert bytes(ours[0][UDP].payload) == b"two-ifaces" and res.packets == len(packets)
