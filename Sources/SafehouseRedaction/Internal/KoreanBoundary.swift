/// Where a Hangul name match may end: at a word end, or before a particle, honorific or
/// kinship suffix; never inside another word (민주주의, 하늘색, 덕수궁, 광주리).
///
/// Works on folded units. Every list here is short, and the checks run only where a lexicon
/// pattern has already matched, so they cost nothing on ordinary text.
enum KoreanBoundary {
    /// How strict the end of a match must be.
    enum Rule: UInt8, Sendable {
        /// Anything may follow (full names of three or more syllables: 윤하늘이라고).
        case none
        /// Word end, particle or honorific (given name alone, two-syllable full name, title form).
        case name
        /// Word end, particle or administrative suffix (시/군/구/동/리/도/읍/면): a subject's place.
        case place
        /// A given name that is also a common word or public place (하늘, 바다, 민주, 광주): only
        /// in personal uses — vocative, honorific or kinship term, 이 + particle, a particle used
        /// for people (한테, 에게), or right after a kinship word (동생 바다가, 우리 하늘이).
        case personal
    }

    private static func scalars(_ words: String) -> [[UInt32]] {
        words.split(separator: " ").map { Array($0.unicodeScalars.map(\.value)) }
    }

    /// Particles and copula endings, longest first where one is a prefix of another.
    static let particles: [[UInt32]] = scalars("""
    이라고 이라는 이라도 이라면 이라서 이에요 이었 이랑 이나 이며 이여 이란 이고 이지 이면 이야 이다 이요 이네 이하고 이한테 이에게 \
    에서는 에서도 에게서 한테서 에서 에게 한테 께서 으로 이는 이가 이를 이도 이만 이의 이와 이를 이처럼 처럼 까지 부터 보다 마저 조차 밖에 하고 \
    라고 라는 예요 였 랑 이 가 은 는 을 를 에 의 도 만 와 과 께 로 야 아 여 요 네 나
    """)

    /// Honorifics, titles and kinship terms that follow a name, glued or after a space.
    static let honorifics: [[UInt32]] = scalars("""
    선생님 선생 여사님 여사 할머니 할아버지 할매 할배 할망 동무 동지 사장님 사장 기사님 기사 목사님 목사 교수님 교수 박사님 박사 \
    형님 형 언니 누나 오빠 아저씨 아주머니 아줌마 삼촌 이모 고모 선배 후배 반장 소장 부장 과장 대리 원장 전도사 집사 장로 권사 \
    씨 님 군 양 옹 어르신 선수 작가 기자 감독 대표 회장
    """)

    /// Titles that follow a bare surname (박 선생님, 최 여사, 리 동무, 한씨): a narrower list than
    /// ``honorifics``, without the one-syllable ones that make words with a surname (한양, 고군).
    static let surnameTitles: [[UInt32]] = scalars("""
    씨 선생님 선생 여사님 여사 할머니 할아버지 할매 할배 동무 동지 사장님 사장 기사님 기사 목사님 목사 교수님 교수 박사님 박사 \
    아저씨 아주머니 아줌마 선배 반장 원장 전도사 집사 장로 권사 어르신 회장 형님 씨네
    """)

    /// Administrative suffixes after a subject's own place.
    static let placeSuffixes: [[UInt32]] = scalars("시 군 구 동 리 도 읍 면 구역 지구")

    /// Particles a name takes but a thing rarely does: affectionate 이 + particle, vocatives, 한테 …
    static let personalParticles: [[UInt32]] = scalars("""
    이라고 이라는 이에요 이였 이랑 이야 이네 이하고 이한테 이에게 이는 이가 이를 이도 이만 이의 이와 이처럼 한테서 에게서 한테 에게 께서 께 야 아 네
    """)

    /// Words right before a name that mark it as a person (동생 바다가, 우리 하늘이).
    static let personCues: Set<[UInt32]> = Set(scalars("""
    동생 남동생 여동생 우리 언니 오빠 형 누나 딸 아들 큰딸 작은딸 막내 손주 손자 손녀 아내 남편 엄마 아빠 어머니 아버지 친구 조카 사촌 \
    제 내 저희 이름은 이름이 이름 애 얘 걔
    """))

    @inline(__always)
    private static func starts(_ s: UnsafeBufferPointer<UInt32>, _ p: Int, _ w: [UInt32]) -> Bool {
        guard p + w.count <= s.count else { return false }
        for k in 0..<w.count where s[p + k] != w[k] { return false }
        return true
    }

    /// The end of the longest word of `list` at `p`, or nil.
    static func longest(_ s: UnsafeBufferPointer<UInt32>, _ p: Int, _ list: [[UInt32]]) -> Int? {
        var best: Int? = nil
        for w in list where starts(s, p, w) && (best == nil || p + w.count > best!) { best = p + w.count }
        return best
    }

    @inline(__always)
    static func wordEnds(_ s: UnsafeBufferPointer<UInt32>, _ p: Int) -> Bool {
        p >= s.count || !Hangul.isHangul(s[p])
    }

    /// Whether a match of a pattern with `rule` that ends at `p` (and starts at `start`) may stand.
    static func accepts(_ rule: Rule, _ s: UnsafeBufferPointer<UInt32>, start: Int, end p: Int) -> Bool {
        switch rule {
        case .none:
            return true
        case .name:
            return wordEnds(s, p) || longest(s, p, particles) != nil || longest(s, p, honorifics) != nil
        case .place:
            return wordEnds(s, p) || longest(s, p, particles) != nil || longest(s, p, placeSuffixes) != nil
        case .personal:
            if !wordEnds(s, p) {
                if longest(s, p, personalParticles) != nil || longest(s, p, honorifics) != nil { return true }
            } else if p + 1 < s.count, s[p] == 0x20, longest(s, p + 1, honorifics).map({ wordEnds(s, $0) || longest(s, $0, particles) != nil }) ?? false {
                return true  // 하늘 씨, 광주 동무
            }
            guard wordEnds(s, p) || longest(s, p, particles) != nil else { return false }
            return cueBefore(s, start)
        }
    }

    /// Whether the word before `start` (one space away) is a kinship or person cue.
    private static func cueBefore(_ s: UnsafeBufferPointer<UInt32>, _ start: Int) -> Bool {
        var e = start
        guard e >= 2, s[e - 1] == 0x20 else { return false }
        e -= 1
        var b = e
        while b > 0, Hangul.isSyllable(s[b - 1]), e - b < 4 { b -= 1 }
        guard b < e, b == 0 || !Hangul.isSyllable(s[b - 1]) else { return false }
        return personCues.contains(Array(s[b..<e]))
    }
}
