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

    static func writeFault(after bytes: UInt64) -> String? {
        guard let s = spec, s.hasPrefix("enospc-after:"), let n = UInt64(s.dropFirst("enospc-after:".count)) else { return nil }
        return bytes >= n ? "No space left on device (injected)" : nil
    }

    static func fault(named name: String) -> String? {
        spec == name ? "\(name) failed (injected I/O error)" : nil
    }
}
