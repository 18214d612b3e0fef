//! Giving freed memory back to the operating system.

/// Returns the allocator's free pages to the operating system. glibc keeps the pages of freed
/// memory in its per-thread arenas: without this, a server that deleted many layers or ran
/// large analyses keeps their peak size (hundreds of MB) long after the data is gone.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
