import Foundation

/// A test seam for the storage layer: `SAFEHOUSE_FAULT` makes chosen write steps
/// fail as a full disk or I/O error would, so tests can prove that a failed
/// command leaves the vault as it was and no partial output behind.
///
/// Values: `enospc-after:N` (writes fail once N bytes went to one file),
/// `fsync` (every fsync fails), `audit` (audit appends fail). Faults only ever
/// make an operation fail; they never weaken a check.
enum FaultInjection {
    static let spec: String? = ProcessInfo.processInfo.environment["SAFEHOUSE_FAULT"]

    /// With `enospc-after:N`, the size at which one file's writes hit a full disk:
    /// a write that would cross N is cut short at N (as on a real full disk) and
    /// the next one fails.
    static let writeLimit: UInt64? = {
        guard let s = spec, s.hasPrefix("enospc-after:") else { return nil }
        return UInt64(s.dropFirst("enospc-after:".count))
    }()

    static let noSpace = "No space left on device (injected)"

    /// How many of `count` bytes written at file offset `at` fit under `writeLimit`.
    static func allowed(_ count: Int, at: UInt64) -> Int {
        guard let limit = writeLimit else { return count }
        return at >= limit ? 0 : Int(min(UInt64(count), limit - at))
    }

    static func fault(named name: String) -> String? {
        spec == name ? "\(name) failed (injected I/O error)" : nil
    }
}
