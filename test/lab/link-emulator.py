#!/usr/bin/env python3
"""A lossy, slow point-to-point link in user space, for kernels without sch_netem (the lab's).

Two TUN devices carry raw IPv4 packets: NEAR stays in the namespace this starts in, FAR is created
inside the network namespace NETNS (setns before TUNSETIFF). Every packet read from one device is
written into the other after DELAY_MS/2 (so a round trip gains DELAY_MS), or dropped with
probability LOSS_PERCENT/100. The kernels on both sides are unchanged: TCP sees real delay and real
loss and recovers with its own retransmissions, as it would over a bad link.

  link-emulator.py NEAR FAR NETNS DELAY_MS LOSS_PERCENT SEED

Prints "ready" once both devices exist. Reads commands on stdin, one per line: "stats" prints
{"forwarded": n, "dropped": n} as JSON; "down" drops every packet from then on, "up" ends that.
Exits when stdin closes (its parent is gone), which removes both devices.
"""
import ctypes
import fcntl
import heapq
import json
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    ns = os.open("/var/run/netns/" + name, os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns into %s: %s" % (name, os.strerror(err)))
    os.close(ns)


def main():
    near_name, far_name, netns, delay_ms, loss_percent, seed = sys.argv[1:7]
    one_way = float(delay_ms) / 2000.0
    loss = float(loss_percent) / 100.0
    rng = random.Random(int(seed))
    near = open_tun(near_name)
    enter_netns(netns)
    far = open_tun(far_name)
    other = {near: far, far: near}
    print("ready", flush=True)
    queue = []  # (due, seq, fd, packet): a constant delay keeps each direction in order
    seq = 0
    forwarded = dropped = 0
    down = False
    pending = b""
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([near, far, 0], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == 0:
                data = os.read(0, 4096)
                if not data:
                    return
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    cmd = line.decode().strip()
                    if cmd == "stats":
                        print(json.dumps({"forwarded": forwarded, "dropped": dropped}), flush=True)
                    elif cmd in ("down", "up"):
                        down = cmd == "down"
                        print(cmd, flush=True)
                continue
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if down or rng.random() < loss:
                    dropped += 1
                    continue
                heapq.heappush(queue, (now + one_way, seq, other[fd], packet))
                seq += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
                forwarded += 1
            except OSError:
                dropped += 1  # the device is down: the packet is lost, as on a dead link


if __name__ == "__main__":
    main()
