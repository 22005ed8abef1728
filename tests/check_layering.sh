#!/usr/bin/env bash
# The protocol core must stay free of I/O (STYLE.md §1, §5): no OS headers, no threads, no
# clock reads under src/core, src/wire, src/common and src/store. The simulator under sim/ obeys the
# same rule, except its command-line entry point sim/main.cc (it prints and times runs): a
# clock or thread in the simulator would make a seed's run unrepeatable (STYLE.md §3).
# This check fails the build's tests when one creeps in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pattern='#include <(sys/|unistd\.h|netinet/|arpa/|linux/|poll\.h|fcntl\.h|thread>|mutex>|future>|chrono>|ctime>|fstream>|filesystem>|iostream>)|std::chrono::[a-z_]*clock|\b(clock_gettime|gettimeofday|time\(|rand\(|srand\(|sleep\(|usleep\()'
if grep -rnE "$pattern" "$root"/src/core "$root"/src/wire "$root"/src/common "$root"/src/store \
        --include='*.h' --include='*.cc' | grep -v '_test\.cc:'; then
    echo "layering: OS, clock or thread use in the core (above); move it behind src/io" >&2
    exit 1
fi
if grep -rnE "$pattern" "$root"/sim --include='*.h' --include='*.cc' |
        grep -v '_test\.cc:' | grep -v '^[^:]*/sim/main\.cc:'; then
    echo "layering: OS, clock or thread use in the simulator (above); only sim/main.cc may" >&2
    exit 1
fi
echo "layering: src/core, src/wire, src/common, src/store and sim/ are free of OS, clock and thread calls"
