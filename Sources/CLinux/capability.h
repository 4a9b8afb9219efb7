// Linux capability sets through the raw capget/capset system calls (glibc has no wrappers and Swift cannot call
// the variadic syscall(2)). Kernel interface: include/uapi/linux/capability.h (torvalds/linux), version 3 =
// two 32-bit words per set.
#pragma once
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Moves `capability` from the permitted into the effective set. 1: effective now (or already); 0: not permitted
/// (the bounding set or the file's capabilities did not give it); -1: capget/capset failed (errno set).
static inline int mtud_raise_permitted_capability(int capability) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (capability < 0 || capability >= 64) return 0;
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    unsigned word = (unsigned)capability / 32, bit = 1u << ((unsigned)capability % 32);
    if (!(data[word].permitted & bit)) return 0;
    if (data[word].effective & bit) return 1;
    data[word].effective |= bit;
    return syscall(SYS_capset, &header, data) == 0 ? 1 : -1;
}
