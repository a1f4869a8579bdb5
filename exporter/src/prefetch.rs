//! The exporter's one use of `unsafe`, audited: a hint asking the CPU to
//! start loading a cache line. A prefetch never faults and changes no state a
//! program can observe, whatever the address; callers pass addresses inside a
//! live allocation all the same. Other architectures get no prefetch (the
//! table still works, only its cache misses queue up).

#![allow(unsafe_code)]

/// Start loading the cache line holding `p` into L1, for a read soon.
#[inline(always)]
pub fn read<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: no fault, no memory access that can be
    // observed, for any address. SSE is part of x86_64's baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch(p.cast::<i8>(), core::arch::x86_64::_MM_HINT_T0)
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint (Arm ARM: it never generates a synchronous data
    // abort); it reads no register but `p` and writes none, nor the flags.
    unsafe {
        core::arch::asm!(
            "prfm pldl1keep, [{p}]",
            p = in(reg) p,
            options(nostack, readonly, preserves_flags)
        )
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = p;
}
