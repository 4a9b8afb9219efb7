#!/bin/bash

__mtu-doctor_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__mtu-doctor_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__mtu-doctor_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__mtu-doctor_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_mtu-doctor() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __mtu-doctor_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    diagnose|calc|check|probe|capture|serve|agent|kube|lab|help)
        # Offer subcommand argument completions
        "_mtu-doctor_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'diagnose calc check probe capture serve agent kube lab help' -- "${cur}"))
        ;;
    esac
}

_mtu-doctor_diagnose() {
    repeating_flags=()
    non_repeating_flags=(--capture --tls --no-tls --keep-learned-pmtu --lab-only --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--timeout --capture-file --topology --flow --socket --format -o --output)
    __mtu-doctor_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--timeout')
        return
        ;;
    '--capture-file')
        return
        ;;
    '--topology')
        return
        ;;
    '--flow')
        return
        ;;
    '--socket')
        __mtu-doctor_add_completions -W 'auto'$'\n''raw'$'\n''datagram'
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_calc() {
    repeating_flags=()
    non_repeating_flags=(--presets --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--mtu --encap --geneve-options --underlay --inner --packet --payload --ping --tcp-options --format -o --output)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--mtu')
        return
        ;;
    '--encap')
        return
        ;;
    '--geneve-options')
        return
        ;;
    '--underlay')
        __mtu-doctor_add_completions -W 'ipv4'$'\n''ipv6'
        return
        ;;
    '--inner')
        __mtu-doctor_add_completions -W 'ipv4'$'\n''ipv6'
        return
        ;;
    '--packet')
        return
        ;;
    '--payload')
        return
        ;;
    '--ping')
        return
        ;;
    '--tcp-options')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_check() {
    repeating_flags=()
    non_repeating_flags=(--verbose -v --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--flow --format -o --output)
    __mtu-doctor_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--flow')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_probe() {
    repeating_flags=()
    non_repeating_flags=(--udp --reverse-tls --no-wall --keep-learned-pmtu --lab-only --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--timeout --max --reverse-port --reverse-tcp-port --tcp-port --token --tls-port --socket --format -o --output)
    __mtu-doctor_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--timeout')
        return
        ;;
    '--max')
        return
        ;;
    '--reverse-port')
        return
        ;;
    '--reverse-tcp-port')
        return
        ;;
    '--tcp-port')
        return
        ;;
    '--token')
        return
        ;;
    '--tls-port')
        return
        ;;
    '--socket')
        __mtu-doctor_add_completions -W 'auto'$'\n''raw'$'\n''datagram'
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_capture() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    analyze)
        # Offer subcommand argument completions
        "_mtu-doctor_capture_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'analyze' -- "${cur}"))
        ;;
    esac
}

_mtu-doctor_capture_analyze() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--mtu --format -o --output)
    __mtu-doctor_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--mtu')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--allow)
    non_repeating_options=(--port --tcp-port --token --rate --duration)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--port')
        return
        ;;
    '--tcp-port')
        return
        ;;
    '--token')
        return
        ;;
    '--allow')
        return
        ;;
    '--rate')
        return
        ;;
    '--duration')
        return
        ;;
    esac
}

_mtu-doctor_agent() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--node --peers --dns --kube-selector --kube-namespace --kubeconfig --context --api-timeout --listen --responder-port --interval --pps --concurrency --timeout --token --allow --stale-after --duration)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--node')
        return
        ;;
    '--peers')
        return
        ;;
    '--dns')
        return
        ;;
    '--kube-selector')
        return
        ;;
    '--kube-namespace')
        return
        ;;
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--api-timeout')
        return
        ;;
    '--listen')
        return
        ;;
    '--responder-port')
        return
        ;;
    '--interval')
        return
        ;;
    '--pps')
        return
        ;;
    '--concurrency')
        return
        ;;
    '--timeout')
        return
        ;;
    '--token')
        return
        ;;
    '--allow')
        return
        ;;
    '--stale-after')
        return
        ;;
    '--duration')
        return
        ;;
    esac
}

_mtu-doctor_kube() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    audit|mesh|deploy|diagnose)
        # Offer subcommand argument completions
        "_mtu-doctor_kube_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'audit mesh deploy diagnose' -- "${cur}"))
        ;;
    esac
}

_mtu-doctor_kube_audit() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--from-file)
    non_repeating_options=(--kubeconfig --context --api-timeout --node-mtu --underlay-mtu --agents --pod-agents --agents-namespace --token --format -o --output)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--api-timeout')
        return
        ;;
    '--from-file')
        return
        ;;
    '--node-mtu')
        return
        ;;
    '--underlay-mtu')
        return
        ;;
    '--agents')
        return
        ;;
    '--pod-agents')
        return
        ;;
    '--agents-namespace')
        return
        ;;
    '--token')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_kube_mesh() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--peers --token --timeout --network --namespace --group-label --kubeconfig --context --api-timeout --format -o --output)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--peers')
        return
        ;;
    '--token')
        return
        ;;
    '--timeout')
        return
        ;;
    '--network')
        return
        ;;
    '--namespace')
        return
        ;;
    '--group-label')
        return
        ;;
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--api-timeout')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_kube_deploy() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--namespace --image --interval --pps --discovery --allow --kubeconfig --context --api-timeout)
    __mtu-doctor_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--namespace')
        return
        ;;
    '--image')
        return
        ;;
    '--interval')
        return
        ;;
    '--pps')
        return
        ;;
    '--discovery')
        return
        ;;
    '--allow')
        return
        ;;
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--api-timeout')
        return
        ;;
    esac
}

_mtu-doctor_kube_diagnose() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--pod --node --target-container --namespace --image --start-timeout --run-timeout --kubeconfig --context --api-timeout)
    __mtu-doctor_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--pod')
        return
        ;;
    '--node')
        return
        ;;
    '--target-container')
        return
        ;;
    '--namespace')
        return
        ;;
    '--image')
        return
        ;;
    '--start-timeout')
        return
        ;;
    '--run-timeout')
        return
        ;;
    '--kubeconfig')
        return
        ;;
    '--context')
        return
        ;;
    '--api-timeout')
        return
        ;;
    esac
}

_mtu-doctor_lab() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    up|down|list|demo)
        # Offer subcommand argument completions
        "_mtu-doctor_lab_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'up down list demo' -- "${cur}"))
        ;;
    esac
}

_mtu-doctor_lab_up() {
    repeating_flags=()
    non_repeating_flags=(--https --asymmetric --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--wall --reverse-wall --prefix --df --nodes --forward-fate --reverse-fate --format -o --output)
    __mtu-doctor_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--wall')
        return
        ;;
    '--reverse-wall')
        return
        ;;
    '--prefix')
        return
        ;;
    '--df')
        return
        ;;
    '--nodes')
        return
        ;;
    '--forward-fate')
        return
        ;;
    '--reverse-fate')
        return
        ;;
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_lab_down() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options 1
}

_mtu-doctor_lab_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options 0
}

_mtu-doctor_lab_demo() {
    repeating_flags=()
    non_repeating_flags=(--topology --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--format -o --output)
    __mtu-doctor_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __mtu-doctor_add_completions -W 'text'$'\n''json'$'\n''markdown'$'\n''html'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_mtu-doctor_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __mtu-doctor_offer_flags_options -1
}

complete -o filenames -F _mtu-doctor mtu-doctor
