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

extension WesternNames {
    /// Diminutives and short forms, by formal given name (both directions are looked up).
    static let diminutives: [String: [String]] = {
        let raw = """
        william:bill,billy,will,willy,willie,liam robert:rob,robbie,bob,bobby,bert elizabeth:liz,lizzie,beth,betty,bette,eliza,libby,elsie \
        margaret:peggy,maggie,meg,marge,margie,greta james:jim,jimmy,jamie john:jack,johnny richard:rick,ricky,dick,rich \
        michael:mike,mick,mikey thomas:tom,tommy charles:charlie,chuck edward:ed,eddie,ted,ned joseph:joe,joey daniel:dan,danny \
        david:dave,davey christopher:chris,kit anthony:tony andrew:andy,drew matthew:matt nicholas:nick,nicky stephen:steve \
        steven:steve benjamin:ben,benny samuel:sam,sammy alexander:alex,sandy patrick:pat,paddy peter:pete henry:harry,hank \
        lawrence:larry gregory:greg jonathan:jon timothy:tim kenneth:ken,kenny donald:don,donny ronald:ron,ronnie gerald:gerry,jerry \
        raymond:ray frederick:fred,freddie theodore:ted,teddy,theo albert:al,bert alfred:alf,alfie walter:walt,wally francis:frank \
        katherine:kate,katie,kathy,kat catherine:kate,katie,cathy kathryn:kate,kathy jennifer:jen,jenny rebecca:becky,becca \
        susan:sue,susie patricia:pat,patty,trish deborah:deb,debbie barbara:barb,babs jessica:jess,jessie victoria:vicky,tori \
        christine:chris,chrissy,tina christina:chris,tina samantha:sam alexandra:alex abigail:abby dorothy:dot,dottie judith:judy \
        eleanor:ellie,nell helen:nell mary:molly,polly,mae sarah:sally,sadie anne:annie ann:annie frances:fran,frankie
        """
        var t: [String: [String]] = [:]
        for entry in raw.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = entry.split(separator: ":")
            t[String(parts[0])] = parts[1].split(separator: ",").map(String.init)
        }
        return t
    }()

    /// The given name, its formal form and every short form of that form (Bill → William, Will, Billy …).
    static func givenForms(_ given: String) -> [String] {
        var formal: [String] = diminutives[given] != nil ? [given] : []
        for (f, ds) in diminutives where ds.contains(given) && !formal.contains(f) { formal.append(f) }
        var out = [given]
        for f in formal {
            if !out.contains(f) { out.append(f) }
            for d in diminutives[f] ?? [] where !out.contains(d) { out.append(d) }
        }
        return out
    }

    /// Words before a given name that make it someone else's (Queen Elizabeth, President Bill …).
    static let publicTitles: Set<[UInt32]> = Set("""
    queen king prince princess president pope saint st lady lord sir general senator governor emperor empress chairman premier
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.unicodeScalars.map(\.value)) })

    /// Common Western given names and short forms in Hangul (윌리엄, 빌, 로버트 …).
    static let hangul: [String: [String]] = [
        "william": ["윌리엄"], "bill": ["빌"], "billy": ["빌리"], "will": ["윌"], "robert": ["로버트"], "rob": ["롭"],
        "bob": ["밥"], "bobby": ["바비"], "elizabeth": ["엘리자베스"], "liz": ["리즈"], "beth": ["베스"], "betty": ["베티"],
        "james": ["제임스"], "jim": ["짐"], "john": ["존"], "jack": ["잭"], "michael": ["마이클"], "mike": ["마이크"],
        "david": ["데이비드"], "dave": ["데이브"], "richard": ["리처드", "리차드"], "thomas": ["토머스", "토마스"], "tom": ["톰"],
        "charles": ["찰스"], "joseph": ["조지프", "조셉"], "daniel": ["대니얼", "다니엘"], "paul": ["폴"], "peter": ["피터"],
        "mark": ["마크"], "george": ["조지"], "edward": ["에드워드"], "henry": ["헨리"], "andrew": ["앤드루", "앤드류"],
        "steven": ["스티븐"], "stephen": ["스티븐"], "mary": ["메리"], "margaret": ["마거릿", "마가렛"], "maggie": ["매기"],
        "peggy": ["페기"], "sarah": ["세라", "사라"], "anna": ["애나", "안나"], "jennifer": ["제니퍼"], "susan": ["수전", "수잔"],
        "helen": ["헬렌"], "emily": ["에밀리"], "grace": ["그레이스"], "kate": ["케이트"], "katherine": ["캐서린"],
        "rachel": ["레이철", "레이첼"], "rebecca": ["레베카"],
    ]
}
