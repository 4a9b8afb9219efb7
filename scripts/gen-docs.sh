#!/usr/bin/env bash
# Regenerates the man pages (docs/man, from ArgumentParser's generate-manual plugin) and the shell completions
# (docs/completions). Tests check both are current.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/man docs/completions
rm -f docs/man/*.1
swift package --allow-writing-to-package-directory generate-manual --multi-page --date 2026-11-23 --output-directory docs/man >/dev/null
swift build >/dev/null
for shell in bash zsh fish; do
    .build/debug/mtu-doctor --generate-completion-script "$shell" > "docs/completions/mtu-doctor.$shell"
done
ls docs/man docs/completions
