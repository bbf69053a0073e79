/// Compact tables for Chinese names: traditional → simplified, pinyin, the Korean Hanja reading,
/// and the Hangul spelling of Mandarin syllables (류젠궈, 펑샤오둥).
///
/// The tables cover the common surnames and frequent given-name and place characters, not every
/// character; a character missing here only loses its alternative spellings, never its own form.
enum ChineseNames {
    /// Traditional and simplified pairs (traditional first).
    private static let pairs = """
    劉刘馮冯曉晓東东國国陳陈張张趙赵黃黄吳吴鄭郑孫孙楊杨許许葉叶韓韩謝谢羅罗蕭萧範范馬马鄧邓盧卢蔣蒋錢钱貝贝華华軍军偉伟強强濤涛\
    傑杰紅红麗丽艷艳鳳凤龍龙雲云飛飞輝辉鵬鹏壽寿長长樂乐誠诚榮荣寧宁蘭兰學学慶庆順顺義义愛爱進进廣广興兴發发勝胜親亲書书實实\
    應应寶宝靜静嶺岭鎮镇縣县區区鄉乡島岛門门蘇苏魯鲁呂吕鍾钟譚谭陸陆賈贾韋韦鄒邹顧顾龔龚萬万嚴严湯汤閻闫賀贺聶聂鮑鲍龐庞\
    溫温齊齐蕭萧壯壮佳佳偉伟峯峰鋒锋剛刚俊俊億亿豐丰紀纪維维練练綠绿嬌娇鶴鹤麗丽蓮莲鵑鹃娟娟玲玲瑩莹穎颖燁烨煒炜嘩哗\
    連连遠远達达邊边開开關关陽阳風风車车雞鸡漢汉詩诗語语話话說说讀读們们過过還还這这邊边麼么條条樓楼聖圣
    """
    /// Simplified form of every CJK scalar in 0x4E00…0x9FFF (identity where no pair is known).
    static let simplifiedTable: [UInt32] = {
        var t = (0..<UInt32(0x5200)).map { $0 + 0x4E00 }
        let s = Array(pairs.unicodeScalars.filter { $0.value >= 0x4E00 && $0.value <= 0x9FFF })
        var k = 0
        while k + 1 < s.count {
            t[Int(s[k].value - 0x4E00)] = s[k + 1].value
            k += 2
        }
        return t
    }()

    @inline(__always)
    static func simplified(_ u: UInt32) -> UInt32 {
        u >= 0x4E00 && u <= 0x9FFF ? simplifiedTable[Int(u - 0x4E00)] : u
    }

    /// `字pinyin한글` per character (simplified form): Mandarin reading without tones, Korean reading.
    private static let readings = """
    刘liu류 王wang왕 李li리 张zhang장 陈chen진 杨yang양 黄huang황 赵zhao조 吴wu오 周zhou주 徐xu서 孙sun손 马ma마 朱zhu주 胡hu호 \
    郭guo곽 何he하 高gao고 林lin림 罗luo라 郑zheng정 梁liang량 谢xie사 宋song송 唐tang당 许xu허 韩han한 冯feng풍 邓deng등 曹cao조 \
    彭peng팽 曾zeng증 肖xiao초 田tian전 董dong동 袁yuan원 潘pan반 于yu우 蒋jiang장 蔡cai채 余yu여 杜du두 叶ye엽 程cheng정 苏su소 \
    魏wei위 吕lu려 丁ding정 任ren임 沈shen심 姚yao요 卢lu로 姜jiang강 崔cui최 钟zhong종 谭tan담 陆lu륙 汪wang왕 范fan범 金jin김 \
    石shi석 廖liao료 贾jia가 夏xia하 韦wei위 付fu부 方fang방 白bai백 邹zou추 孟meng맹 熊xiong웅 秦qin진 邱qiu구 江jiang강 尹yin윤 \
    薛xue설 闫yan염 段duan단 雷lei뢰 侯hou후 龙long룡 史shi사 陶tao도 黎li려 贺he하 顾gu고 毛mao모 郝hao학 龚gong공 邵shao소 \
    万wan만 钱qian전 严yan엄 武wu무 戴dai대 莫mo막 孔kong공 向xiang향 汤tang탕 朴piao박 文wen문 安an안 常chang상 乔qiao교 \
    建jian건 国guo국 晓xiao효 东dong동 明ming명 华hua화 军jun군 伟wei위 强qiang강 平ping평 红hong홍 英ying영 海hai해 玉yu옥 \
    秀xiu수 兰lan란 芳fang방 丽li려 敏min민 静jing정 燕yan연 霞xia하 娟juan연 艳yan염 涛tao도 杰jie걸 勇yong용 磊lei뢰 洋yang양 \
    刚gang강 辉hui휘 鹏peng붕 飞fei비 波bo파 斌bin빈 宇yu우 浩hao호 凯kai개 俊jun준 峰feng봉 超chao초 亮liang량 志zhi지 新xin신 \
    春chun춘 生sheng생 成cheng성 永yong영 德de덕 福fu복 荣rong영 庆qing경 祥xiang상 云yun운 山shan산 宝bao보 家jia가 学xue학 \
    民min민 力li력 光guang광 天tian천 子zi자 小xiao소 大da대 中zhong중 兴xing흥 友you우 利li리 发fa발 胜sheng승 长chang장 和he화 \
    顺shun순 义yi의 忠zhong충 信xin신 仁ren인 礼li례 智zhi지 美mei미 爱ai애 梅mei매 菊ju국 凤feng봉 珍zhen진 琴qin금 萍ping평 \
    莉li리 雪xue설 慧hui혜 颖ying영 婷ting정 欣xin흔 佳jia가 琳lin림 晶jing정 雨yu우 思si사 怡yi이 嘉jia가 一yi일 二er이 三san삼 \
    合he합 镇zhen진 河he하 南nan남 街jie가 北bei북 京jing경 吉ji길 延yan연 图tu도 们men문 井jing정 哈ha합 尔er이 滨bin빈 阳yang양 \
    丹dan단 泽ze택 振zhen진 卫wei위 立li립 军jun군 宁ning녕 玲ling령 桂gui계 香xiang향 花hua화 秋qiu추 冬dong동 夏xia하 松song송 \
    柏bai백 竹zhu죽 清qing청 正zheng정 世shi세 青qing청 林lin림 远yuan원 达da달 伯bo백 铁tie철 钢gang강 宏hong굉 鸿hong홍 \
    八ba팔 道dao도 四si사 五wu오 六liu륙 七qi칠 九jiu구 十shi십 百bai백 千qian천 湖hu호 岛dao도 沟gou구 屯tun둔 庄zhuang장 \
    店dian점 桥qiao교 寺si사 坪ping평 口kou구 头tou두 门men문 城cheng성 州zhou주 府fu부 区qu구 路lu로 里li리 洞dong동 台tai대 \
    营ying영 堡bao보 浦pu포 津jin진 川chuan천 原yuan원 田tian전 仓cang창 龄ling령 立li립 连lian련 开kai개 关guan관 风feng풍 朝chao조 鲜xian선 族zu족 镇zhen진 村cun촌 乡xiang향 县xian현 市shi시
    """

    struct Reading { var pinyin: String; var korean: UInt32 }

    static let table: [UInt32: Reading] = {
        var t: [UInt32: Reading] = [:]
        for entry in readings.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let u = Array(entry.unicodeScalars)
            guard u.count >= 3 else { continue }
            let py = String(String.UnicodeScalarView(u.dropFirst().filter { $0.isASCII }))
            guard let k = u.last, Hangul.isSyllable(k.value), t[u[0].value] == nil else { continue }
            t[u[0].value] = Reading(pinyin: py, korean: k.value)
        }
        return t
    }()

    /// Characters by Korean reading (신 → 新 信 …), for a place the sheet gives in Hangul only.
    static let byKoreanReading: [UInt32: [UInt32]] = {
        var t: [UInt32: [UInt32]] = [:]
        for (c, r) in table.sorted(by: { $0.key < $1.key }) { t[Hangul.canonical(r.korean), default: []].append(c) }
        return t
    }()

    /// Whether every scalar is a CJK ideograph.
    static func isHanzi(_ s: [UInt32]) -> Bool { !s.isEmpty && s.allSatisfy { $0 >= 0x4E00 && $0 <= 0x9FFF } }

    /// Prefixes and suffixes used with a bare surname (老刘, 小冯, 刘先生, 冯师傅).
    static let surnamePrefixes = ["老", "小", "阿"]
    static let surnameSuffixes = ["先生", "老板", "师傅", "女士", "太太", "小姐", "老师", "同志", "大哥", "大姐", "叔", "阿姨", "总",
                                  "哥", "姐", "经理", "医生", "教授", "书记", "主任", "师", "老", "伯"]
    /// Kinship suffixes after a given name (建国哥).
    static let givenSuffixes = ["哥", "姐", "叔", "兄", "弟", "妹", "儿", "大哥", "大姐", "先生", "老师", "同志"]
    /// Given names that are also ordinary words (建国 "founding of the state"): only with a suffix.
    static let wordGiven: Set<String> = ["建国", "国庆", "建华", "建军", "和平", "胜利", "解放", "卫国", "爱国", "新华", "中华",
                                         "光明", "文化", "红旗", "东方", "建设", "振华", "跃进", "援朝", "抗美", "志强", "国强"]

    // MARK: Mandarin syllables in Hangul (외래어 표기법, with the common informal variants)

    private static let initialJamo: [(String, Int)] = [
        ("zh", Hangul.iJ), ("ch", Hangul.iCh), ("sh", Hangul.iS), ("b", Hangul.iB), ("p", Hangul.iP), ("m", Hangul.iM),
        ("f", Hangul.iP), ("d", Hangul.iD), ("t", Hangul.iT), ("n", Hangul.iN), ("l", Hangul.iR), ("g", Hangul.iG),
        ("k", Hangul.iK), ("h", Hangul.iH), ("j", Hangul.iJ), ("q", Hangul.iCh), ("x", Hangul.iS), ("r", Hangul.iR),
        ("z", 13), ("c", Hangul.iCh), ("s", 10),
    ]
    // Medials: ㅏ0 ㅐ1 ㅑ2 ㅓ4 ㅔ5 ㅕ6 ㅖ7 ㅗ8 ㅘ9 ㅛ12 ㅜ13 ㅝ14 ㅞ15 ㅟ16 ㅠ17 ㅡ18 ㅣ20
    /// Final → list of (medial, final jamo, trailing syllable) readings.
    private static let finals: [String: [(Int, Int, String)]] = [
        "a": [(0, 0, "")], "o": [(8, 0, ""), (4, 0, "")], "e": [(4, 0, "")], "ai": [(0, 0, "이")], "ei": [(5, 0, "이")],
        "ao": [(0, 0, "오")], "ou": [(4, 0, "우")], "an": [(0, 4, "")], "en": [(4, 4, "")], "ang": [(0, 21, "")],
        "eng": [(4, 21, "")], "ong": [(13, 21, "")], "er": [(4, 8, "")], "i": [(20, 0, "")], "ia": [(2, 0, "")],
        "ie": [(7, 0, "")], "iao": [(2, 0, "오")], "iu": [(17, 0, ""), (20, 0, "우")], "ian": [(7, 4, ""), (6, 4, "")],
        "in": [(20, 4, "")], "iang": [(2, 21, "")], "ing": [(20, 21, "")], "iong": [(17, 21, "")], "u": [(13, 0, "")],
        "ua": [(9, 0, "")], "uo": [(14, 0, "")], "uai": [(9, 0, "이")], "ui": [(13, 0, "이"), (15, 0, "이")],
        "uan": [(9, 4, "")], "un": [(13, 4, "")], "uang": [(9, 21, "")], "v": [(16, 0, "")], "ve": [(15, 0, "")],
        "van": [(16, 0, "안")], "vn": [(16, 4, "")],
    ]

    /// Hangul spellings of one toneless pinyin syllable (jian → 젠, xiao → 샤오, liu → 류/리우).
    static func hangul(ofPinyin py: String) -> [String] {
        var s = py
        var ini = Hangul.iNull
        var hasInitial = false
        for (p, j) in initialJamo where s.hasPrefix(p) { ini = j; s.removeFirst(p.count); hasInitial = true; break }
        if !hasInitial {
            let glides: [(String, String)] = [("yu", "v"), ("yi", "i"), ("y", "i"), ("wu", "u"), ("w", "u")]
            for (g, r) in glides where s.hasPrefix(g) { s = r + s.dropFirst(g.count); break }
            if s == "uen" { s = "un" }
            if s == "uei" { s = "ui" }
            if s == "ieu" || s == "iou" { s = "iu" }
        }
        let palatal = hasInitial && (py.hasPrefix("j") || py.hasPrefix("q") || py.hasPrefix("x"))
        if palatal, s.hasPrefix("u") { s = "v" + s.dropFirst() }
        let retroflex = hasInitial && ["zh", "ch", "sh", "r", "z", "c", "s"].contains { py.hasPrefix($0) }
        guard let options = finals[s] else { return [] }
        var out: [String] = []
        for (m0, f, tail) in options {
            var meds = [m0]
            if s == "i", retroflex { meds = [18] }
            if ini == Hangul.iJ || ini == Hangul.iCh || ini == Hangul.iS || ini == 13 || ini == 10 {
                let plain: [Int: Int] = [2: 0, 6: 4, 7: 5, 12: 8, 17: 13]
                if let p = plain[m0] { meds = ini == Hangul.iS ? [m0, p] : [p, m0] }
            }
            for m in meds {
                let syl = Hangul.compose(ini, m, f)
                let str = String(Character(Unicode.Scalar(syl)!)) + tail
                if !out.contains(str) { out.append(str) }
            }
        }
        return out
    }
}
