#!/usr/bin/env bash
# Behaviour unchanged? Runs the offline commands (calc, check, capture analyze, kube audit --from-file, kube deploy
# --dry-run, every --help) with two builds of mtu-doctor, in every output format, and lists what differs.
#   scripts/same-output.sh OLD_BINARY NEW_BINARY
# Exit 0 when every output and exit status is the same, 1 otherwise. Run from the repository root. Nothing here
# sends a packet: the measuring commands are covered by the lab tests.
set -uo pipefail
old=$1 new=$2
cases=()
add() { cases+=("$*"); }
for mtu in "--mtu 9000 --encap vxlan" "--mtu 1500 --encap geneve --packet 1488" \
    "--mtu 9001,aws-tgw --encap vxlan --payload 8410 --tcp-options 12" "--mtu 1500 --encap vxlan,ipsec-esp:aes-cbc-sha1" \
    "--mtu 1500 --encap wireguard --underlay ipv6 --inner ipv6 --ping 1400" "--mtu 1500 --encap vlan,gre:csum+key" \
    "--mtu nonsense" "--presets"; do
    add calc $mtu
    add calc $mtu --json
done
for file in examples/*.yaml; do
    for format in text json markdown html; do add check "$file" --format $format; done
done
for file in Tests/MTUCaptureTests/Fixtures/*.pcap Tests/MTUCaptureTests/Fixtures/*.pcapng; do
    [ -e "$file" ] || continue
    for format in text json; do add capture analyze "$file" --format $format; done
done
for file in examples/kube/*.yaml Tests/MTUKubeTests/Fixtures/upstream/*.yaml; do
    for format in text json markdown; do
        add kube audit --from-file "$file" --format $format
        add kube audit --from-file "$file" --node-mtu 9001 --underlay-mtu 8500 --format $format
    done
done
add kube deploy --dry-run
add kube deploy --dry-run --namespace netcheck --discovery kubernetes --allow 10.0.0.0/8
for command in "" calc check probe serve "lab up" "lab down" "lab demo" "capture analyze" "kube audit" "kube mesh" \
    "kube deploy" "kube diagnose" agent diagnose; do
    add $command --help
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differ=0
for index in "${!cases[@]}"; do
    # shellcheck disable=SC2086
    "$old" ${cases[$index]} > "$work/old" 2>&1; o=$?
    # shellcheck disable=SC2086
    "$new" ${cases[$index]} > "$work/new" 2>&1; n=$?
    if [ $o != $n ] || ! cmp -s "$work/old" "$work/new"; then
        differ=$((differ + 1))
        echo "DIFFERS (exit $o → $n): mtu-doctor ${cases[$index]}"
        diff "$work/old" "$work/new" | head -8
    fi
done
echo "${#cases[@]} command lines, $differ differ"
[ $differ = 0 ]
