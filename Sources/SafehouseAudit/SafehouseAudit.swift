// SafehouseAudit — the tamper-evident audit log core.
//
// Rules of this module:
// - entries hold ids, pseudonyms, fingerprints and short codes, never a name,
//   file name or content; the field rules (printable ASCII, no spaces) enforce
//   what syntax can;
// - every format has exactly one byte form, and every parser accepts only that
//   form (parse → serialize gives back the input), so "the same" data can never
//   hash or sign two ways;
// - hashing is RFC 6962 over SHA-256 from SafehouseCrypto, so public test
//   vectors and tools apply; signatures are Ed25519 from SafehouseCrypto;
// - verifiers stream in O(log n) memory, never trap on garbage, and report the
//   first bad seq with a stable reason code;
// - errors and reasons never echo a field value, a key or a signature;
// - no file I/O and no clock: callers pass times and bytes in.

/// Format names and versions of the audit module, for callers that record them.
public enum SafehouseAudit {
    /// First line of every canonical entry.
    public static let entryFormat = AuditEntry.magic
    /// `format` field of an export header.
    public static let exportFormat = ExportLines.format
    /// `version` field of an export header.
    public static let exportVersion = ExportLines.version
}
