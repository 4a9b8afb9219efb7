function __mtu-doctor_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __mtu-doctor_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __mtu-doctor_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __mtu-doctor_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __mtu-doctor_parse_tokens -S
    set -l unparsed_tokens (__mtu-doctor_tokens -pc)
    switch $unparsed_tokens[1]
    case 'mtu-doctor'
        __mtu-doctor_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'diagnose'
            __mtu-doctor_parse_subcommand 1 'timeout=' 'capture' 'capture-file=' 'topology=' 'flow=' 'tls' 'no-tls' 'socket=' 'keep-learned-pmtu' 'lab-only' 'json' 'format=' 'o/output=' 'version' 'h/help'
        case 'calc'
            __mtu-doctor_parse_subcommand 0 'mtu=' 'encap=' 'geneve-options=' 'underlay=' 'inner=' 'packet=' 'payload=' 'ping=' 'tcp-options=' 'presets' 'json' 'format=' 'o/output=' 'version' 'h/help'
        case 'check'
            __mtu-doctor_parse_subcommand 1 'v/verbose' 'flow=' 'json' 'format=' 'o/output=' 'version' 'h/help'
        case 'probe'
            __mtu-doctor_parse_subcommand 1 'timeout=' 'max=' 'reverse-port=' 'reverse-tcp-port=' 'tcp-port=' 'udp' 'reverse-tls' 'token=' 'tls-port=' 'socket=' 'no-wall' 'keep-learned-pmtu' 'lab-only' 'json' 'format=' 'o/output=' 'version' 'h/help'
        case 'capture'
            __mtu-doctor_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'analyze'
                __mtu-doctor_parse_subcommand -r 1 'mtu=' 'json' 'format=' 'o/output=' 'version' 'h/help'
            end
        case 'serve'
            __mtu-doctor_parse_subcommand 0 'port=' 'tcp-port=' 'token=' 'allow=+' 'rate=' 'duration=' 'version' 'h/help'
        case 'agent'
            __mtu-doctor_parse_subcommand 0 'node=' 'peers=' 'dns=' 'kube-selector=' 'kube-namespace=' 'kubeconfig=' 'context=' 'api-timeout=' 'listen=' 'responder-port=' 'interval=' 'pps=' 'concurrency=' 'timeout=' 'token=' 'allow=' 'stale-after=' 'duration=' 'version' 'h/help'
        case 'kube'
            __mtu-doctor_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'audit'
                __mtu-doctor_parse_subcommand 0 'kubeconfig=' 'context=' 'api-timeout=' 'from-file=+' 'node-mtu=' 'underlay-mtu=' 'agents=' 'pod-agents=' 'agents-namespace=' 'token=' 'json' 'format=' 'o/output=' 'version' 'h/help'
            case 'mesh'
                __mtu-doctor_parse_subcommand 0 'peers=' 'token=' 'timeout=' 'network=' 'namespace=' 'group-label=' 'kubeconfig=' 'context=' 'api-timeout=' 'json' 'format=' 'o/output=' 'version' 'h/help'
            case 'deploy'
                __mtu-doctor_parse_subcommand 0 'dry-run' 'namespace=' 'image=' 'interval=' 'pps=' 'discovery=' 'allow=' 'kubeconfig=' 'context=' 'api-timeout=' 'version' 'h/help'
            case 'diagnose'
                __mtu-doctor_parse_subcommand -r 2 'pod=' 'node=' 'target-container=' 'namespace=' 'image=' 'start-timeout=' 'run-timeout=' 'kubeconfig=' 'context=' 'api-timeout=' 'version' 'h/help'
            end
        case 'lab'
            __mtu-doctor_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'up'
                __mtu-doctor_parse_subcommand 1 'wall=' 'reverse-wall=' 'prefix=' 'df=' 'https' 'asymmetric' 'nodes=' 'forward-fate=' 'reverse-fate=' 'json' 'format=' 'o/output=' 'version' 'h/help'
            case 'down'
                __mtu-doctor_parse_subcommand 1 'version' 'h/help'
            case 'list'
                __mtu-doctor_parse_subcommand 0 'version' 'h/help'
            case 'demo'
                __mtu-doctor_parse_subcommand 1 'topology' 'json' 'format=' 'o/output=' 'version' 'h/help'
            end
        case 'help'
            __mtu-doctor_parse_subcommand -r 1 'version'
        end
    end
end

function __mtu-doctor_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __mtu-doctor_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __mtu-doctor_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __mtu-doctor_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__mtu-doctor_tokens -p)
    if test -z "$(__mtu-doctor_tokens -t)"
        set -l index (count (__mtu-doctor_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'mtu-doctor' -f
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'diagnose' -d 'From "the TLS handshake times out" to the cause, what was ruled out, and the fix — in one run.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'calc' -d 'Encapsulation math: pod MTU, MSS, ping sizes and a per-header breakdown.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'check' -d 'Analyse a topology file: per flow and direction, the path MTU, the wall, the fate of big packets, the fix.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'probe' -d 'Measure a live path to the byte: forward DF search, the wall\'s hop, and (with `serve` on the far side) the reverse.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'capture' -d 'Analyse pcap/pcapng captures for MTU black holes.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'serve' -d 'Answer reverse-path probes: UDP replies of requested sizes with DF, never an amplifier.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'agent' -d 'Run the mesh agent: probe every peer periodically, both ways, and serve the results (JSON, Prometheus).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'kube' -d 'Kubernetes: audit the CNI\'s MTU, deploy the agents, gather their measurements into a mesh, diagnose from a pod or node.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'lab' -d 'Build or remove network-namespace labs that reproduce the incidents (root).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" timeout' -l 'timeout' -d 'Per-probe timeout in milliseconds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" capture' -l 'capture' -d 'Record the probe traffic with tcpdump on the route interface and analyse it.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" capture-file' -l 'capture-file' -d 'Keep the capture (implies --capture) at this path.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" topology' -l 'topology' -d 'A topology file: compare what it says about this path with what the path does.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" flow' -l 'flow' -d 'The flow in --topology to compare with (default: the first flow to the target\'s address).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" tls' -l 'tls' -d 'Run the TLS steps (default: for https:// and ports 443/6443).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" no-tls' -l 'no-tls' -d 'Run the TLS steps (default: for https:// and ports 443/6443).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" socket' -l 'socket' -d 'ICMP socket: raw, datagram or auto.' -rfka 'auto raw datagram'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" keep-learned-pmtu' -l 'keep-learned-pmtu' -d 'Leave a path MTU this host already learned toward the target in place (by default it is set aside before the TCP tests: ip route flush cache, needs CAP_NET_ADMIN).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" lab-only' -l 'lab-only' -d 'Refuse to run outside an mtud-* lab namespace (tests, demos).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor diagnose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" mtu' -l 'mtu' -d 'Link MTU(s) of the underlay: numbers or preset names, comma-separated; the smallest limits.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" encap' -l 'encap' -d 'Encapsulation stack, innermost first.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" geneve-options' -l 'geneve-options' -d 'Geneve option bytes for a bare `geneve` layer (multiple of 4, at most 252).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" underlay' -l 'underlay' -d 'IP version of the outer (underlay) headers: ipv4 or ipv6.' -rfka 'ipv4 ipv6'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" inner' -l 'inner' -d 'IP version of the inner packets: ipv4 or ipv6.' -rfka 'ipv4 ipv6'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" packet' -l 'packet' -d 'Size an inner IP packet of this many bytes.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" payload' -l 'payload' -d 'Size a TCP segment carrying this many payload bytes.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" ping' -l 'ping' -d 'Size an ICMP echo with this `ping -s` payload.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" tcp-options' -l 'tcp-options' -d 'TCP option bytes in every segment (timestamps add 12).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" presets' -l 'presets' -d 'List link MTU and overlay presets.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor calc" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" v verbose' -l 'verbose' -s 'v' -d 'Show every hop of every direction.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" flow' -l 'flow' -d 'Only analyse the flow with this name.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" timeout' -l 'timeout' -d 'Per-probe timeout in milliseconds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" max' -l 'max' -d 'Largest size to try (default: the route MTU toward the target).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" reverse-port' -l 'reverse-port' -d 'UDP port of an `mtu-doctor serve` responder on the target, to measure the reverse direction.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" reverse-tcp-port' -l 'reverse-tcp-port' -d 'TCP port of `mtu-doctor serve --tcp-port` on the target: measure the reverse direction by advertised MSS.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" tcp-port' -l 'tcp-port' -d 'Probe the forward direction over TCP to this port (one full segment per probed size) instead of ICMP echo.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" udp' -l 'udp' -d 'Probe the forward direction with UDP datagrams to closed ports, as tracepath does (slow: targets rate-limit port unreachables).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" reverse-tls' -l 'reverse-tls' -d 'Measure the reverse direction with the HTTPS server\'s own TLS first flight and chosen MSS values (no agent needed).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" token' -l 'token' -d 'The responder\'s shared token (lets small requests ask for large replies).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" tls-port' -l 'tls-port' -d 'Run the HTTPS signature (connect, plain HTTP, TLS handshake) against this TCP port first (implied by an https:// URL).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" socket' -l 'socket' -d 'ICMP socket: raw (root or CAP_NET_RAW), datagram (unprivileged, needs ping_group_range), or auto.' -rfka 'auto raw datagram'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" no-wall' -l 'no-wall' -d 'Skip locating the wall with TTL-limited probes.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" keep-learned-pmtu' -l 'keep-learned-pmtu' -d 'Leave a path MTU this host already learned toward the target in place. By default it is set aside (ip route flush cache, needs CAP_NET_ADMIN) when a TCP method runs, because TCP cannot measure past it; kept, those methods say what they could not measure.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" lab-only' -l 'lab-only' -d 'Refuse to run outside a network namespace other than the host\'s (used by tests and labs).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor probe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor capture" -eq 1' -fa 'analyze' -d 'Find stalled full-size segments, ICMP "too big" and whether it took effect, MSS, oversize tunnel packets, stalled TLS handshakes.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" mtu' -l 'mtu' -d 'Underlay MTU: tunnel packets larger than this are reported.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor capture analyze" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" port' -l 'port' -d 'UDP port to listen on.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" tcp-port' -l 'tcp-port' -d 'Also serve TCP on this port: "MTUD SEND <bytes> [token]" gets that many bytes (with the token up to 4 MiB; without it no more than the client sent).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" token' -l 'token' -d 'Shared token that lets small requests ask for large replies.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve"' -l 'allow' -d 'Answer only these networks, IPv4 or IPv6 (repeatable).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" rate' -l 'rate' -d 'Requests per second per source.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" duration' -l 'duration' -d 'Stop after this many seconds (default: run until killed).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" node' -l 'node' -d 'This node\'s name in results and metrics (default: the host name).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" peers' -l 'peers' -d 'Peers: NAME=ADDRESS or ADDRESS, comma separated.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" dns' -l 'dns' -d 'A DNS name whose addresses are the peers (a headless Service), resolved every round.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" kube-selector' -l 'kube-selector' -d 'A label selector: the peers are the running pods it matches (Kubernetes API), looked up every round.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" kube-namespace' -l 'kube-namespace' -d 'Namespace for --kube-selector (default: the kubeconfig context\'s, or the pod\'s own).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" kubeconfig' -l 'kubeconfig' -d 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" context' -l 'context' -d 'kubeconfig context (default: its current-context).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" api-timeout' -l 'api-timeout' -d 'Seconds to wait for each API request.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" listen' -l 'listen' -d 'HTTP port for /metrics, /results, /healthz, /readyz.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" responder-port' -l 'responder-port' -d 'UDP port of the reverse-path responder (peers measure the way back through it).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" interval' -l 'interval' -d 'Seconds between the starts of two rounds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" pps' -l 'pps' -d 'Average probe packets per second for the whole agent.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" concurrency' -l 'concurrency' -d 'Peers measured at the same time.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" timeout' -l 'timeout' -d 'Per-probe timeout in milliseconds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" token' -l 'token' -d 'Shared token (or MTU_DOCTOR_TOKEN): required on HTTP and lets peers ask for large replies.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" allow' -l 'allow' -d 'Networks allowed to use the HTTP API and the responder (CIDR, comma separated; default: any).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" stale-after' -l 'stale-after' -d 'Results older than this many seconds are served as stale (default: 3 intervals).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" duration' -l 'duration' -d 'Stop after this many seconds (default: run until killed).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor agent" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor kube" -eq 1' -fa 'audit' -d 'Audit the CNI\'s MTU against the nodes and the measured paths between them, with the exact fix.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor kube" -eq 1' -fa 'mesh' -d 'Gather every agent\'s results into the N×N directed matrix of path MTUs and group the broken pairs.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor kube" -eq 1' -fa 'deploy' -d 'Deploy the agents (pod- and host-network DaemonSets, headless Services, least-privilege RBAC) by server-side apply, or print them.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor kube" -eq 1' -fa 'diagnose' -d 'Run diagnose from inside a pod (an ephemeral container) or on a node (a host-network pod).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" kubeconfig' -l 'kubeconfig' -d 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" context' -l 'context' -d 'kubeconfig context (default: its current-context).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" api-timeout' -l 'api-timeout' -d 'Seconds to wait for each API request.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit"' -l 'from-file' -d 'Audit objects saved with `kubectl get nodes,daemonsets,configmaps -A -o yaml` (and, for Calico, `kubectl get installations.operator.tigera.io,ippools.crd.projectcalico.org,felixconfigurations.crd.projectcalico.org -o yaml`) instead of asking the API server (repeatable; YAML or JSON, UTF-8 or UTF-16, several documents per file).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" node-mtu' -l 'node-mtu' -d 'Node interface MTU: one value for every node, or NAME=MTU,… per node.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" underlay-mtu' -l 'underlay-mtu' -d 'The smallest MTU between nodes when known from elsewhere (e.g. 8500 through an AWS transit gateway).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" agents' -l 'agents' -d 'Host-network agents to read node MTUs and node-to-node paths from: [NAME=]HOST[:PORT],… or `cluster` (their pods, through the API).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" pod-agents' -l 'pod-agents' -d 'Pod-network agents (the pod MTU actually in use): [NAME=]HOST[:PORT],… or `cluster`.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" agents-namespace' -l 'agents-namespace' -d 'Namespace of the agents for `cluster`.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" token' -l 'token' -d 'The agents\' shared token (or MTU_DOCTOR_TOKEN).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" peers' -l 'peers' -d 'Agents: [NAME=]HOST:PORT (or HOST: port 9464, 9465 with --network host), comma separated (default: their pods, through the API).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" token' -l 'token' -d 'The agents\' shared token (or MTU_DOCTOR_TOKEN).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" timeout' -l 'timeout' -d 'Per-agent HTTP timeout in milliseconds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" network' -l 'network' -d 'Which agents: pod (pod network) or host (node and TEP paths).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" namespace' -l 'namespace' -d 'Without --peers: the agents\' namespace.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" group-label' -l 'group-label' -d 'Without --peers: the node label the limited pairs are also grouped by.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" kubeconfig' -l 'kubeconfig' -d 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" context' -l 'context' -d 'kubeconfig context (default: its current-context).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" api-timeout' -l 'api-timeout' -d 'Seconds to wait for each API request.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube mesh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" dry-run' -l 'dry-run' -d 'Print the YAML instead of applying it.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" namespace' -l 'namespace' -d 'Namespace for the agents.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" image' -l 'image' -d 'Container image with mtu-doctor as its entry point.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" interval' -l 'interval' -d 'Seconds between rounds.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" pps' -l 'pps' -d 'Probe packets per second per agent.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" discovery' -l 'discovery' -d 'How the agents find each other: dns (headless Services) or kubernetes (their pods, through the API).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" allow' -l 'allow' -d 'Networks the agents answer, CIDR, comma separated (default: the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7; name the cluster\'s pod and node networks).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" kubeconfig' -l 'kubeconfig' -d 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" context' -l 'context' -d 'kubeconfig context (default: its current-context).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" api-timeout' -l 'api-timeout' -d 'Seconds to wait for each API request.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube deploy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" pod' -l 'pod' -d 'NAMESPACE/NAME (or NAME in the context\'s namespace): diagnose from inside this pod.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" node' -l 'node' -d 'Diagnose from this node\'s host network.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" target-container' -l 'target-container' -d 'Container in the pod whose process namespace the ephemeral container joins (optional).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" namespace' -l 'namespace' -d 'Namespace of --pod NAME, or for the --node pod (default: the context\'s).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" image' -l 'image' -d 'Image with mtu-doctor as its entry point.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" start-timeout' -l 'start-timeout' -d 'Seconds the container may take to start (image pull, scheduling).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" run-timeout' -l 'run-timeout' -d 'Seconds the report may take once the container runs.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" kubeconfig' -l 'kubeconfig' -d 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod\'s service account).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" context' -l 'context' -d 'kubeconfig context (default: its current-context).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" api-timeout' -l 'api-timeout' -d 'Seconds to wait for each API request.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor kube diagnose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor lab" -eq 1' -fa 'up' -d 'Build a lab and print its ground truth.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor lab" -eq 1' -fa 'down' -d 'Remove a lab: the namespaces it recorded as its own when it was built, and nothing else.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor lab" -eq 1' -fa 'list' -d 'List running labs and stray lab namespaces.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_positional "mtu-doctor lab" -eq 1' -fa 'demo' -d 'Build a lab, run `diagnose` from its client against its HTTPS server, remove the lab (root).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" wall' -l 'wall' -d 'The forward wall in bytes (default per scenario).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" reverse-wall' -l 'reverse-wall' -d 'The reverse wall when it differs (asymmetric path).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" prefix' -l 'prefix' -d 'Namespace prefix (default: mtud- and six random hex digits).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" df' -l 'df' -d 'Overlay scenarios: the VXLAN outer DF, set|unset|inherit.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" https' -l 'https' -d 'Start an HTTPS server (certificate chain over 4 KB; plain HTTP gets a 400) on the server, port 443.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" asymmetric' -l 'asymmetric' -d 'Overlay scenarios: return the underlay through a second router that carries --reverse-wall.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" nodes' -l 'nodes' -d 'mesh: how many hosts, split between the two subnets (2–64).' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" forward-fate' -l 'forward-fate' -d 'twoway: what the forward wall does to a packet too large for it: fits, ptb, ptb-rpf, silent-routed, silent-l2.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" reverse-fate' -l 'reverse-fate' -d 'twoway: what the reverse wall does: fits, ptb, ptb-rpf, silent-routed, silent-l2.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab up" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab down" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab down" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab list" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" topology' -l 'topology' -d 'Also compare with the documented topology (blackhole only: examples/lab-blackhole.yaml).'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" json' -l 'json' -d 'Print JSON (versioned schema, see docs/json-schema.md): short for --format json.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" format' -l 'format' -d 'Output format: text (default), json, markdown (for tickets) or html (one self-contained file).' -rfka 'text json markdown html'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" o output' -s 'o' -l 'output' -d 'Write the report to this file instead of standard output.' -rfka ''
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" version' -l 'version' -d 'Show the version.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor lab demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'mtu-doctor' -n '__mtu-doctor_should_offer_completions_for_flags_or_options "mtu-doctor help" version' -l 'version' -d 'Show the version.'
