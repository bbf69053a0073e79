internal import CSodium
import Foundation

/// Small secrets (keys, nonce-derived subkeys, hash states) carved from a few
/// large `sodium_malloc` regions instead of one `sodium_malloc` each.
///
/// `sodium_malloc` maps guard pages around every allocation and `mprotect`s
/// them; libsodium's own documentation warns it is slow and meant for a few
/// long-lived secrets. Listing a season of 5,000 records opens a few small
/// keys per record, and those calls were half of `list`'s time. The regions
/// here keep what matters: locked memory (never swapped), excluded from core
/// dumps where the OS allows, guard pages around each region, and every slot
/// zeroed (`sodium_memzero`) before it is reused. What they give up is a guard
/// page between two small secrets of the same process.
enum SecureArena {
    /// Slot sizes, each a multiple of 64 (64-byte alignment for hash states).
    static let classes = [64, 512]
    static let regionBytes = 1 << 16

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [[UnsafeMutableRawPointer]] = classes.map { _ in [] }

    /// A zeroed slot of at least `count` bytes, or nil when `count` is larger than a slot.
    static func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        guard let k = classes.firstIndex(where: { count <= $0 }) else { return nil }
        lock.lock(); defer { lock.unlock() }
        if free[k].isEmpty {
            guard let region = sodium_malloc(regionBytes) else { return nil }
            sodium_memzero(region, regionBytes)
            let size = classes[k]
            for i in stride(from: regionBytes - size, through: 0, by: -size) { free[k].append(region + i) }
        }
        return free[k].removeLast()
    }

    /// Zeroes a slot of `count` requested bytes and returns it to the pool.
    static func release(_ p: UnsafeMutableRawPointer, count: Int) {
        guard let k = classes.firstIndex(where: { count <= $0 }) else { return }
        sodium_memzero(p, classes[k])
        lock.lock(); defer { lock.unlock() }
        free[k].append(p)
    }
}
