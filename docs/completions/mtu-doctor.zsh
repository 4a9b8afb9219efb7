#compdef mtu-doctor

__mtu-doctor_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__mtu-doctor_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __mtu-doctor_complete "${completions[@]:0:-1}"
    fi
}

__mtu-doctor_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_mtu-doctor() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'diagnose:From "the TLS handshake times out" to the cause, what was ruled out, and the fix — in one run.'
            'calc:Encapsulation math: pod MTU, MSS, ping sizes and a per-header breakdown.'
            'check:Analyse a topology file: per flow and direction, the path MTU, the wall, the fate of big packets, the fix.'
            'probe:Measure a live path to the byte: forward DF search, the wall'\''s hop, and (with `serve` on the far side) the reverse.'
            'capture:Analyse pcap/pcapng captures for MTU black holes.'
            'serve:Answer reverse-path probes: UDP replies of requested sizes with DF, never an amplifier.'
            'agent:Run the mesh agent: probe every peer periodically, both ways, and serve the results (JSON, Prometheus).'
            'kube:Kubernetes: audit the CNI'\''s MTU, deploy the agents, gather their measurements into a mesh, diagnose from a pod or node.'
            'lab:Build or remove network-namespace labs that reproduce the incidents (root).'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        diagnose|calc|check|probe|capture|serve|agent|kube|lab|help)
            "_mtu-doctor_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_mtu-doctor_diagnose() {
    local -i ret=1
    local -ar ___socket=('auto' 'raw' 'datagram')
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        ':target:'
        '--timeout[Per-probe timeout in milliseconds.]:timeout:'
        '--capture[Record the probe traffic with tcpdump on the route interface and analyse it.]'
        '--capture-file[Keep the capture (implies --capture) at this path.]:capture-file:'
        '--topology[A topology file\: compare what it says about this path with what the path does.]:topology:'
        '--flow[The flow in --topology to compare with (default\: the first flow to the target'\''s address).]:flow:'
        '--tls[Run the TLS steps (default\: for https\:// and ports 443/6443).]'
        '--no-tls[Run the TLS steps (default\: for https\:// and ports 443/6443).]'
        '--socket[ICMP socket\: raw, datagram or auto.]:socket:{__mtu-doctor_complete "${___socket[@]}"}'
        '--keep-learned-pmtu[Leave a path MTU this host already learned toward the target in place (by default it is set aside before the TCP tests\: ip route flush cache, needs CAP_NET_ADMIN).]'
        '--lab-only[Refuse to run outside an mtud-* lab namespace (tests, demos).]'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_calc() {
    local -i ret=1
    local -ar ___underlay=('ipv4' 'ipv6')
    local -ar ___inner=('ipv4' 'ipv6')
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        '--mtu[Link MTU(s) of the underlay\: numbers or preset names, comma-separated; the smallest limits.]:MTU\[,MTU…\]:'
        '--encap[Encapsulation stack, innermost first.]:LAYER\[,LAYER…\]:'
        '--geneve-options[Geneve option bytes for a bare `geneve` layer (multiple of 4, at most 252).]:geneve-options:'
        '--underlay[IP version of the outer (underlay) headers\: ipv4 or ipv6.]:underlay:{__mtu-doctor_complete "${___underlay[@]}"}'
        '--inner[IP version of the inner packets\: ipv4 or ipv6.]:inner:{__mtu-doctor_complete "${___inner[@]}"}'
        '--packet[Size an inner IP packet of this many bytes.]:packet:'
        '--payload[Size a TCP segment carrying this many payload bytes.]:payload:'
        '--ping[Size an ICMP echo with this `ping -s` payload.]:ping:'
        '--tcp-options[TCP option bytes in every segment (timestamps add 12).]:tcp-options:'
        '--presets[List link MTU and overlay presets.]'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_check() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        ':topology:'
        '(--verbose -v)'{--verbose,-v}'[Show every hop of every direction.]'
        '--flow[Only analyse the flow with this name.]:flow:'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_probe() {
    local -i ret=1
    local -ar ___socket=('auto' 'raw' 'datagram')
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        ':target:'
        '--timeout[Per-probe timeout in milliseconds.]:timeout:'
        '--max[Largest size to try (default\: the route MTU toward the target).]:max:'
        '--reverse-port[UDP port of an `mtu-doctor serve` responder on the target, to measure the reverse direction.]:reverse-port:'
        '--reverse-tcp-port[TCP port of `mtu-doctor serve --tcp-port` on the target\: measure the reverse direction by advertised MSS.]:reverse-tcp-port:'
        '--tcp-port[Probe the forward direction over TCP to this port (one full segment per probed size) instead of ICMP echo.]:tcp-port:'
        '--udp[Probe the forward direction with UDP datagrams to closed ports, as tracepath does (slow\: targets rate-limit port unreachables).]'
        '--reverse-tls[Measure the reverse direction with the HTTPS server'\''s own TLS first flight and chosen MSS values (no agent needed).]'
        '--token[The responder'\''s shared token (lets small requests ask for large replies).]:token:'
        '--tls-port[Run the HTTPS signature (connect, plain HTTP, TLS handshake) against this TCP port first (implied by an https\:// URL).]:tls-port:'
        '--socket[ICMP socket\: raw (root or CAP_NET_RAW), datagram (unprivileged, needs ping_group_range), or auto.]:socket:{__mtu-doctor_complete "${___socket[@]}"}'
        '--no-wall[Skip locating the wall with TTL-limited probes.]'
        '--keep-learned-pmtu[Leave a path MTU this host already learned toward the target in place. By default it is set aside (ip route flush cache, needs CAP_NET_ADMIN) when a TCP method runs, because TCP cannot measure past it; kept, those methods say what they could not measure.]'
        '--lab-only[Refuse to run outside a network namespace other than the host'\''s (used by tests and labs).]'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_capture() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'analyze:Find stalled full-size segments, ICMP "too big" and whether it took effect, MSS, oversize tunnel packets, stalled TLS handshakes.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        analyze)
            "_mtu-doctor_capture_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_mtu-doctor_capture_analyze() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        '*:files:'
        '--mtu[Underlay MTU\: tunnel packets larger than this are reported.]:mtu:'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_serve() {
    local -i ret=1
    local -ar arg_specs=(
        '--port[UDP port to listen on.]:port:'
        '--tcp-port[Also serve TCP on this port\: "MTUD SEND <bytes> \[token\]" gets that many bytes (with the token up to 4 MiB; without it no more than the client sent).]:tcp-port:'
        '--token[Shared token that lets small requests ask for large replies.]:token:'
        '*--allow[Answer only these networks, IPv4 or IPv6 (repeatable).]:allow:'
        '--rate[Requests per second per source.]:rate:'
        '--duration[Stop after this many seconds (default\: run until killed).]:duration:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_agent() {
    local -i ret=1
    local -ar arg_specs=(
        '--node[This node'\''s name in results and metrics (default\: the host name).]:node:'
        '--peers[Peers\: NAME=ADDRESS or ADDRESS, comma separated.]:peers:'
        '--dns[A DNS name whose addresses are the peers (a headless Service), resolved every round.]:dns:'
        '--kube-selector[A label selector\: the peers are the running pods it matches (Kubernetes API), looked up every round.]:kube-selector:'
        '--kube-namespace[Namespace for --kube-selector (default\: the kubeconfig context'\''s, or the pod'\''s own).]:kube-namespace:'
        '--kubeconfig[kubeconfig file (default\: KUBECONFIG, then ~/.kube/config, then the pod'\''s service account).]:kubeconfig:'
        '--context[kubeconfig context (default\: its current-context).]:context:'
        '--api-timeout[Seconds to wait for each API request.]:api-timeout:'
        '--listen[HTTP port for /metrics, /results, /healthz, /readyz.]:listen:'
        '--responder-port[UDP port of the reverse-path responder (peers measure the way back through it).]:responder-port:'
        '--interval[Seconds between the starts of two rounds.]:interval:'
        '--pps[Average probe packets per second for the whole agent.]:pps:'
        '--concurrency[Peers measured at the same time.]:concurrency:'
        '--timeout[Per-probe timeout in milliseconds.]:timeout:'
        '--token[Shared token (or MTU_DOCTOR_TOKEN)\: required on HTTP and lets peers ask for large replies.]:token:'
        '--allow[Networks allowed to use the HTTP API and the responder (CIDR, comma separated; default\: any).]:allow:'
        '--stale-after[Results older than this many seconds are served as stale (default\: 3 intervals).]:stale-after:'
        '--duration[Stop after this many seconds (default\: run until killed).]:duration:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_kube() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'audit:Audit the CNI'\''s MTU against the nodes and the measured paths between them, with the exact fix.'
            'mesh:Gather every agent'\''s results into the N×N directed matrix of path MTUs and group the broken pairs.'
            'deploy:Deploy the agents (pod- and host-network DaemonSets, headless Services, least-privilege RBAC) by server-side apply, or print them.'
            'diagnose:Run diagnose from inside a pod (an ephemeral container) or on a node (a host-network pod).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        audit|mesh|deploy|diagnose)
            "_mtu-doctor_kube_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_mtu-doctor_kube_audit() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        '--kubeconfig[kubeconfig file (default\: KUBECONFIG, then ~/.kube/config, then the pod'\''s service account).]:kubeconfig:'
        '--context[kubeconfig context (default\: its current-context).]:context:'
        '--api-timeout[Seconds to wait for each API request.]:api-timeout:'
        '*--from-file[Audit objects saved with `kubectl get nodes,daemonsets,configmaps -A -o yaml` (and, for Calico, `kubectl get installations.operator.tigera.io,ippools.crd.projectcalico.org,felixconfigurations.crd.projectcalico.org -o yaml`) instead of asking the API server (repeatable; YAML or JSON, UTF-8 or UTF-16, several documents per file).]:from-file:'
        '--node-mtu[Node interface MTU\: one value for every node, or NAME=MTU,… per node.]:node-mtu:'
        '--underlay-mtu[The smallest MTU between nodes when known from elsewhere (e.g. 8500 through an AWS transit gateway).]:underlay-mtu:'
        '--agents[Host-network agents to read node MTUs and node-to-node paths from\: \[NAME=\]HOST\[\:PORT\],… or `cluster` (their pods, through the API).]:agents:'
        '--pod-agents[Pod-network agents (the pod MTU actually in use)\: \[NAME=\]HOST\[\:PORT\],… or `cluster`.]:pod-agents:'
        '--agents-namespace[Namespace of the agents for `cluster`.]:agents-namespace:'
        '--token[The agents'\'' shared token (or MTU_DOCTOR_TOKEN).]:token:'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_kube_mesh() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        '--peers[Agents\: \[NAME=\]HOST\:PORT (or HOST\: port 9464, 9465 with --network host), comma separated (default\: their pods, through the API).]:peers:'
        '--token[The agents'\'' shared token (or MTU_DOCTOR_TOKEN).]:token:'
        '--timeout[Per-agent HTTP timeout in milliseconds.]:timeout:'
        '--network[Which agents\: pod (pod network) or host (node and TEP paths).]:network:'
        '--namespace[Without --peers\: the agents'\'' namespace.]:namespace:'
        '--group-label[Without --peers\: the node label the limited pairs are also grouped by.]:group-label:'
        '--kubeconfig[kubeconfig file (default\: KUBECONFIG, then ~/.kube/config, then the pod'\''s service account).]:kubeconfig:'
        '--context[kubeconfig context (default\: its current-context).]:context:'
        '--api-timeout[Seconds to wait for each API request.]:api-timeout:'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_kube_deploy() {
    local -i ret=1
    local -ar arg_specs=(
        '--dry-run[Print the YAML instead of applying it.]'
        '--namespace[Namespace for the agents.]:namespace:'
        '--image[Container image with mtu-doctor as its entry point.]:image:'
        '--interval[Seconds between rounds.]:interval:'
        '--pps[Probe packets per second per agent.]:pps:'
        '--discovery[How the agents find each other\: dns (headless Services) or kubernetes (their pods, through the API).]:discovery:'
        '--allow[Networks the agents answer, CIDR, comma separated (default\: the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10, fc00\:\:/7; name the cluster'\''s pod and node networks).]:allow:'
        '--kubeconfig[kubeconfig file (default\: KUBECONFIG, then ~/.kube/config, then the pod'\''s service account).]:kubeconfig:'
        '--context[kubeconfig context (default\: its current-context).]:context:'
        '--api-timeout[Seconds to wait for each API request.]:api-timeout:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_kube_diagnose() {
    local -i ret=1
    local -ar arg_specs=(
        ':target:'
        '--pod[NAMESPACE/NAME (or NAME in the context'\''s namespace)\: diagnose from inside this pod.]:pod:'
        '--node[Diagnose from this node'\''s host network.]:node:'
        '--target-container[Container in the pod whose process namespace the ephemeral container joins (optional).]:target-container:'
        '--namespace[Namespace of --pod NAME, or for the --node pod (default\: the context'\''s).]:namespace:'
        '--image[Image with mtu-doctor as its entry point.]:image:'
        '--start-timeout[Seconds the container may take to start (image pull, scheduling).]:start-timeout:'
        '--run-timeout[Seconds the report may take once the container runs.]:run-timeout:'
        '--kubeconfig[kubeconfig file (default\: KUBECONFIG, then ~/.kube/config, then the pod'\''s service account).]:kubeconfig:'
        '--context[kubeconfig context (default\: its current-context).]:context:'
        '--api-timeout[Seconds to wait for each API request.]:api-timeout:'
        '*:diagnose-options:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_lab() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'up:Build a lab and print its ground truth.'
            'down:Remove a lab: the namespaces it recorded as its own when it was built, and nothing else.'
            'list:List running labs and stray lab namespaces.'
            'demo:Build a lab, run `diagnose` from its client against its HTTPS server, remove the lab (root).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        up|down|list|demo)
            "_mtu-doctor_lab_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_mtu-doctor_lab_up() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        ':scenario:'
        '--wall[The forward wall in bytes (default per scenario).]:wall:'
        '--reverse-wall[The reverse wall when it differs (asymmetric path).]:reverse-wall:'
        '--prefix[Namespace prefix (default\: mtud- and six random hex digits).]:prefix:'
        '--df[Overlay scenarios\: the VXLAN outer DF, set|unset|inherit.]:df:'
        '--https[Start an HTTPS server (certificate chain over 4 KB; plain HTTP gets a 400) on the server, port 443.]'
        '--asymmetric[Overlay scenarios\: return the underlay through a second router that carries --reverse-wall.]'
        '--nodes[mesh\: how many hosts, split between the two subnets (2–64).]:nodes:'
        '--forward-fate[twoway\: what the forward wall does to a packet too large for it\: fits, ptb, ptb-rpf, silent-routed, silent-l2.]:forward-fate:'
        '--reverse-fate[twoway\: what the reverse wall does\: fits, ptb, ptb-rpf, silent-routed, silent-l2.]:reverse-fate:'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_lab_down() {
    local -i ret=1
    local -ar arg_specs=(
        ':prefix:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_lab_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_lab_demo() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'markdown' 'html')
    local -ar arg_specs=(
        ':scenario:'
        '--topology[Also compare with the documented topology (blackhole only\: examples/lab-blackhole.yaml).]'
        '--json[Print JSON (versioned schema, see docs/json-schema.md)\: short for --format json.]'
        '--format[Output format\: text (default), json, markdown (for tickets) or html (one self-contained file).]:format:{__mtu-doctor_complete "${___format[@]}"}'
        '(-o --output)'{-o,--output}'[Write the report to this file instead of standard output.]:output:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_mtu-doctor_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _mtu-doctor ]]; then
    _mtu-doctor "${@}"
else
    compdef _mtu-doctor mtu-doctor
fi
