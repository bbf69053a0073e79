internal import CSodium

/// Public (non-secret) random values: ids, nonces, salts.
public enum Random {
    /// `count` random bytes from the OS CSPRNG (`randombytes_buf`).
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 { out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) } }
        return out
    }

    /// A uniform random integer in `0..<upperBound` (`randombytes_uniform`).
    public static func uniform(_ upperBound: UInt32) -> UInt32 { randombytes_uniform(upperBound) }
}
