// SafehouseCrypto — the only module that imports libsodium (CSodium) and
// OpenSSL's libcrypto (COpenSSL).
//
// Rules of this module:
// - libcrypto is used for SHA-256 of public data only (`ContentSHA256`, record
//   chunk hashes, for its SHA-extension code); libsodium does every encryption,
//   signature, key exchange and KDF;
// - every libsodium call lives here, one file per libsodium family;
// - sizes come from libsodium (`crypto_*_bytes()`), never hard-coded;
// - secret keys live in `SecureBytes` (sodium_malloc, wiped on release) and are
//   never returned as `[UInt8]` or `String`, never printed, never put in errors;
// - every authentication failure is the single case `CryptoError.authenticationFailed`;
//   the age format (`Age/`) keeps the age testkit's outcomes apart for tests
//   (`AgeFailure`), but every authentication failure there reads the same.
// - the age format's code is the one place that implements a published format
//   of someone else (c2sp.org/age); it is as strict as age's reference reader.
internal import CSodium

/// Process-wide libsodium initialisation.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Makes sure `sodium_init()` ran; call before any other function of this module.
    /// - Throws: `CryptoError.unavailable` when libsodium cannot initialise.
    public static func ensureInitialised() throws {
        guard initialised else { throw CryptoError.unavailable }
    }

    /// Process hardening before any key is unlocked: no core dumps (a crash must
    /// not write unlocked keys or plaintext to disk) and not dumpable/attachable
    /// by other processes of the same user.
    public static func hardenProcess() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
        _ = safehouse_set_dumpable(0)
    }

    /// Whether core dumps are disabled for this process (for tests).
    public static var coreDumpsDisabled: Bool {
        var l = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &l)
        return l.rlim_cur == 0 && safehouse_get_dumpable() == 0
    }

    /// The libsodium version string (e.g. "1.0.18").
    public static var version: String { String(cString: sodium_version_string()) }
}
