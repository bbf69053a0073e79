import SafehouseCrypto

/// Arithmetic in GF(2^8) modulo the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11b).
///
/// Constant time by construction: no table is indexed by a value and no branch
/// depends on one. Secrets (share bytes, polynomial coefficients) pass through
/// `mul`, so a cache-timing or branch observer learns nothing from the timing.
enum GF256 {
    /// The product of `a` and `b`: shift-and-xor over the 8 bits of `b`, each
    /// step selected by an all-ones / all-zeros mask instead of an `if`.
    @inline(__always)
    static func mul(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a, b = b, product: UInt8 = 0
        for _ in 0..<8 {
            product ^= a & (0 &- (b & 1))          // add a when b's low bit is set
            let carry = 0 &- (a &>> 7)               // 0xff when a overflows on the shift
            a = (a &<< 1) ^ (0x1b & carry)           // reduce by the polynomial
            b = b &>> 1
        }
        return product
    }

    /// The multiplicative inverse, as a^254 (Fermat), with a fixed sequence of
    /// squarings and multiplications. `inverse(0)` is 0 by this formula; callers
    /// never invert 0 (x-coordinates are distinct and non-zero).
    static func inverse(_ a: UInt8) -> UInt8 {
        // a^254 = a^2 · a^4 · a^8 · … · a^128
        var square = a, result: UInt8 = 1
        for _ in 0..<7 {
            square = mul(square, square)
            result = mul(result, square)
        }
        return result
    }
}

/// Shamir secret sharing over GF(2^8), byte by byte.
///
/// For every byte s of the secret a random polynomial f(x) = s + c₁x + … + c₍ₖ₋₁₎x^(k-1)
/// is drawn (coefficients from libsodium's CSPRNG); share i holds f(i) for
/// i = 1…n. Any k shares determine f and so f(0) = s (Lagrange interpolation);
/// k−1 shares are consistent with every possible s, so they tell nothing about it.
enum Shamir {
    /// One share: its public x-coordinate and its secret y-values.
    struct Share: CustomStringConvertible {
        /// x-coordinate, 1…255.
        let index: UInt8
        /// f(index) for every byte of the secret.
        let value: SecureBytes

        var description: String { "Shamir.Share(index: \(index), <redacted \(value.count) bytes>)" }
    }

    /// Splits `secret` into `count` shares, any `threshold` of which restore it.
    /// - Precondition: 2 ≤ threshold ≤ count ≤ 255 (checked by the caller; violated here it traps).
    static func split(_ secret: SecureBytes, threshold: Int, count: Int) throws -> [Share] {
        precondition(threshold >= 2 && threshold <= count && count <= 255, "invalid Shamir parameters")
        let length = secret.count
        let degree = threshold - 1
        // coefficients[j * length + i] is c_(j+1) for byte i.
        let coefficients = try SecureBytes.random(count: degree * length)
        var shares: [Share] = []
        shares.reserveCapacity(count)
        for x in 1...count {
            let xb = UInt8(x)
            let value = try SecureBytes(count: length)
            secret.withUnsafeBytes { s in
                coefficients.withUnsafeBytes { c in
                    value.withUnsafeMutableBytes { out in
                        for i in 0..<length {
                            // Horner: ((c_d·x + c_(d-1))·x + … + c_1)·x + s
                            var acc: UInt8 = 0
                            var j = degree
                            while j >= 1 {
                                acc = GF256.mul(acc, xb) ^ c[(j - 1) * length + i]
                                j -= 1
                            }
                            out[i] = GF256.mul(acc, xb) ^ s[i]
                        }
                    }
                }
            }
            shares.append(Share(index: xb, value: value))
        }
        return shares
    }

    /// Interpolates f(0) from the given shares.
    ///
    /// It does not know the threshold: given fewer shares than were needed it
    /// returns a value unrelated to the secret. Callers check the result (the
    /// recovery layer compares the rebuilt key's fingerprint with the one on the shares).
    /// - Precondition: at least one share; indices distinct and non-zero; equal lengths.
    static func combine(_ shares: [Share]) throws -> SecureBytes {
        precondition(!shares.isEmpty, "no shares")
        let length = shares[0].value.count
        precondition(shares.allSatisfy { $0.value.count == length && $0.index != 0 }, "malformed shares")
        precondition(Set(shares.map(\.index)).count == shares.count, "duplicate share index")
        // Lagrange basis at 0: l_j = Π_{m≠j} x_m / (x_m − x_j); subtraction is xor.
        // The x-coordinates are public, so these weights are not secret.
        let weights: [UInt8] = shares.indices.map { j in
            var numerator: UInt8 = 1, denominator: UInt8 = 1
            for m in shares.indices where m != j {
                numerator = GF256.mul(numerator, shares[m].index)
                denominator = GF256.mul(denominator, shares[m].index ^ shares[j].index)
            }
            return GF256.mul(numerator, GF256.inverse(denominator))
        }
        let secret = try SecureBytes(count: length)
        secret.withUnsafeMutableBytes { out in
            for (j, share) in shares.enumerated() {
                let w = weights[j]
                share.value.withUnsafeBytes { y in
                    for i in 0..<length { out[i] ^= GF256.mul(y[i], w) }
                }
            }
        }
        return secret
    }
}
