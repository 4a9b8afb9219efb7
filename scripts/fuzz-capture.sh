#!/usr/bin/env bash
# Fuzz the capture readers, dissectors and analyser with libFuzzer + AddressSanitizer for a bounded time.
# Seeds: the lab fixtures and the small captures of tcpdump's regression set (used in place, copied to a temp dir).
# Usage: scripts/fuzz-capture.sh [SECONDS=60]   — exit 0: no crash; otherwise the crashing input is kept and named.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
work=$(mktemp -d /tmp/mtud-fuzz.XXXXXX)
trap 'rm -rf "$work/corpus"' EXIT
mkdir -p "$work/corpus"
cp Tests/MTUCaptureTests/Fixtures/*.pcap Tests/MTUCaptureTests/Fixtures/fuzz/* "$work/corpus/"
if [ -d ../shared/captures/tcpdump-tests ]; then
    find ../shared/captures/tcpdump-tests -maxdepth 1 \( -name '*.pcap' -o -name '*.pcapng' \) -size -16k -print0 \
        | head -z -n 300 | xargs -0 -r cp -t "$work/corpus/" || true
fi
(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" | tail -3)
echo "fuzz-capture: $(ls "$work/corpus" | wc -l) seeds, ${seconds} s"
if Fuzz/.build/release/CaptureFuzzer "$work/corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$work/" -print_final_stats=1 2>"$work/log"; then
    grep -E "^(stat::number_of_executed_units|Done)" "$work/log" || true
    rm -rf "$work"
else
    tail -40 "$work/log"
    echo "fuzz-capture: FAILED — crashing input and log kept in $work" >&2
    exit 1
fi
