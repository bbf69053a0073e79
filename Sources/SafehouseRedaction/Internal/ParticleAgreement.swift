/// Makes a Korean particle agree with the replacement that now stands before it.
///
/// Pseudonyms end in a Latin letter or digit, read the Korean way: A 에이, B 비, C 씨, D 디, E 이,
/// F 에프, G 지, H 에이치, I 아이, J 제이, K 케이, **L 엘**, **M 엠**, **N 엔**, O 오, P 피, Q 큐,
/// **R 알**, S 에스, T 티, U 유, V 브이, W 더블유, X 엑스, Y 와이, Z 제트; **0 영**, **1 일**, 2 이,
/// **3 삼**, 4 사, 5 오, **6 육**, **7 칠**, **8 팔**, 9 구. The bold ones end in a consonant (L, R, 1, 7,
/// 8 in ㄹ, which takes 로 rather than 으로). A placeholder such as `[PLACE 1]` is read by its last
/// letter or digit. Hangul replacements use their own final consonant.
enum ParticleAgreement {
    enum Final { case vowel, consonant, rieul }

    static func final(of replacement: String) -> Final {
        for u in replacement.unicodeScalars.reversed() {
            let v = u.value
            if Hangul.isSyllable(v) {
                let f = Hangul.split(v).2
                return f == 0 ? .vowel : f == Hangul.fL ? .rieul : .consonant
            }
            switch u {
            case "L", "l", "R", "r", "1", "7", "8": return .rieul
            case "M", "m", "N", "n", "0", "3", "6": return .consonant
            default:
                if u.properties.isAlphabetic || (v >= 0x30 && v <= 0x39) { return .vowel }
            }
        }
        return .vowel
    }

    /// (after a consonant, after a vowel) forms; longest first so 이라고 wins over 이.
    private static let pairs: [(String, String)] = [
        ("이라고", "라고"), ("이라는", "라는"), ("이라도", "라도"), ("이라면", "라면"), ("이라서", "라서"),
        ("이에요", "예요"), ("이었", "였"), ("이랑", "랑"), ("이나", "나"), ("이며", "며"), ("이여", "여"),
        ("이란", "란"), ("이고", "고"), ("이지", "지"), ("이면", "면"), ("아", "야"), ("이야", "야"),
        ("이다", "다"), ("으로", "로"), ("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"),
    ]
    private static let table: [([UInt32], [UInt32])] = pairs.map { (Array($0.0.unicodeScalars.map(\.value)), Array($0.1.unicodeScalars.map(\.value))) }
    private static let i: UInt32 = 0xC774  // 이

    /// Rewrites the particle at the start of `suffix` (the Hangul right after a replaced name).
    ///
    /// - Parameters:
    ///   - nameEndsInConsonant: whether the *original* name ended in a consonant-final syllable
    ///     (then `이` before another particle is the affectionate suffix of 광석이는 and is dropped).
    /// - Returns: how many scalars of `suffix` to drop and what to write instead, or nil to leave it.
    static func rewrite(_ suffix: ArraySlice<UInt32>, nameEndsInConsonant: Bool, replacement: Final) -> (Int, [UInt32])? {
        guard let first = suffix.first, Hangul.isSyllable(first) else { return nil }
        if let hit = longest(suffix, minLength: 2) { return (hit.0, form(hit.1, replacement)) }
        if nameEndsInConsonant, first == i, suffix.count >= 2 {
            let rest = suffix.dropFirst()
            if let hit = longest(rest, minLength: 1) { return (1 + hit.0, form(hit.1, replacement)) }
            return (1, [])
        }
        if let hit = longest(suffix, minLength: 1) { return (hit.0, form(hit.1, replacement)) }
        return nil
    }

    private static func longest(_ s: ArraySlice<UInt32>, minLength: Int) -> (Int, Int)? {
        var best: (Int, Int)? = nil
        for (k, (c, v)) in table.enumerated() {
            for candidate in [c, v] where candidate.count >= minLength && s.starts(with: candidate) {
                if best == nil || candidate.count > best!.0 { best = (candidate.count, k) }
            }
        }
        return best
    }

    private static func form(_ k: Int, _ f: Final) -> [UInt32] {
        let (c, v) = table[k]
        switch f {
        case .vowel: return v
        case .consonant: return c
        case .rieul: return pairs[k].0 == "으로" ? v : c
        }
    }
}
