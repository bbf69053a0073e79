/// Stop lists that decide when one token of a non-Korean name is distinctive enough to match alone.
enum WesternNames {
    static let commonGiven: Set<String> = Set("""
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald \
    steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric \
    jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry \
    tyler aaron jose adam nathan henry douglas zachary peter kyle walter ethan jeremy harold keith christian roger noah \
    gerald carl terry sean austin arthur lawrence jesse dylan bryan joe jordan billy bruce albert willie gabriel logan \
    alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby philip johnny mary patricia jennifer linda \
    elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle \
    carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda \
    pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane ruth \
    julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline \
    martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris \
    marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    static let commonSurnames: Set<String> = Set("""
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson \
    thomas taylor moore jackson martin thompson white harris sanchez clark ramirez lewis robinson walker young allen king \
    wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts \
    wang zhang liu chen yang huang zhao zhou xu sun zhu ma hu guo lin he gao luo zheng liang xie song tang han feng deng \
    cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao jin fu zhong wu li \
    tanaka suzuki sato takahashi watanabe ito yamamoto nakamura kobayashi kato
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Romanizations of common Korean surnames (Kim, Lee, Park …), generated from the syllable tables.
    static let koreanSurnameSpellings: Set<String> = {
        var s = Set<String>()
        for syl in Hangul.commonSurnames {
            for r in Romanizer.spellings(of: syl) { s.insert(r) }
            for r in CommonSpellings.table[syl] ?? [] { s.insert(r) }
        }
        return s
    }()

    /// A token that alone would hit many other people (bare common Korean surnames included).
    static func isCommon(_ token: String) -> Bool {
        let t = token.filter { $0 != "-" && $0 != "'" }
        return commonGiven.contains(t) || commonSurnames.contains(t) || koreanSurnameSpellings.contains(t)
    }

    /// A bare common surname (Korean, Chinese or Western) that never matches alone.
    static func isBareCommonSurname(_ token: String) -> Bool {
        let t = token.filter { $0 != "-" && $0 != "'" }
        return koreanSurnameSpellings.contains(t) || commonSurnames.contains(t)
    }

    /// Long enough and not on a stop list: safe to match on its own (Whitfield, Jianguo).
    static func isDistinctive(_ token: String) -> Bool {
        token.unicodeScalars.filter { $0.value >= 0x61 && $0.value <= 0x7A }.count >= 5 && !isCommon(token)
    }
}
