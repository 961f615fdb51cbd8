#!/usr/bin/env bash
# Makes resources/samples/sample-media.pcap from real peers on loopback (sample-lab.sh): the same
# Kamailio proxy and SIPp user agents, now with their G.711 A-law audio (100 packets, 3 s, of SIPp's
# own recording /usr/share/sip-tester/g711a.pcap), the RTP captured beside the SIP:
#   1. alice -> bob: audio both ways, nothing lost.
#   2. alice -> bob: alice's audio loses 12 of its 100 packets on the way, 5 of them in one burst
#      (removed from the recording SIPp plays, so the sequence numbers have the gaps a lossy link
#      leaves): media-loss.
#   3. alice -> grace: grace answers but sends no audio (a muted phone, a NAT that drops her RTP):
#      one-way media.
# SIPp replays the recording's RTP headers as they are: every stream has the same SSRC (0xDEE0EE8F).
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")" && pwd)/../../resources/samples/sample-media.pcap}"
. "$(dirname "$0")/sample-lab.sh"
capture_filter='udp port 5060 or udp portrange 6000-6099'
audio=/usr/share/sip-tester/g711a.pcap
# One working directory per SIPp, each with its pcap/audio.pcap (the scenarios play that path).
for d in clean lossy silent; do mkdir -p "$work/$d/pcap"; done
editcap -F pcap -r "$audio" "$work/clean/pcap/audio.pcap" 1-100
editcap -F pcap "$work/clean/pcap/audio.pcap" "$work/lossy/pcap/audio.pcap" 12 27 28 45 61 62 63 64 65 77 88 93
editcap -F pcap -r "$audio" "$work/silent/pcap/audio.pcap" 1000-1001
lab_start
(cd "$work/clean" && exec sipp -sf "$here/uas-answer-audio.xml" -i 127.0.0.30 -p 5060 -mp 6030 -nostdin >/dev/null 2>&1) &
(cd "$work/silent" && exec sipp -sf "$here/uas-answer-audio.xml" -i 127.0.0.33 -p 5060 -mp 6033 -nostdin >/dev/null 2>&1) &
sleep 0.5
(cd "$work/clean" && lab_uac -sf "$here/uac-call-audio.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -mp 6010 -m 1 -d 4000)
(cd "$work/lossy" && lab_uac -sf "$here/uac-call-audio.xml" -s bob 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -mp 6012 -m 1 -d 4000)
(cd "$work/clean" && lab_uac -sf "$here/uac-call-audio.xml" -s grace 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -mp 6014 -m 1 -d 4000)
lab_finish "$out"
