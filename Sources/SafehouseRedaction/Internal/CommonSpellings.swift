/// Per-syllable personal spellings that the jamo tables do not produce (Lee, Park, Choi, Ahn …).
///
/// Keys are Hangul syllables; values are lowercase ASCII spellings. The jamo tables in
/// ``Romanizer`` already cover the systematic forms; this list adds the idiosyncratic ones
/// people actually use in passports and newspapers, for surnames and common given-name syllables.
enum CommonSpellings {
    static let table: [UInt32: [String]] = {
        let raw: [(String, String)] = [
            ("이", "lee yi rhee ri i rhie yee ee"), ("리", "ri lee rhee li"), ("박", "park pak bak bahk"),
            ("최", "choi choe chey"), ("정", "jung jeong chung jong cheong chong"), ("김", "kim gim ghim"),
            ("류", "ryu yoo yu you ryoo lyu"), ("유", "yoo yu you"), ("조", "cho jo joh"),
            ("강", "kang gang"), ("윤", "yoon yun youn"), ("장", "jang chang"), ("임", "lim im rim yim"),
            ("림", "rim lim"), ("신", "shin sin"), ("한", "han hahn"), ("오", "oh o"),
            ("서", "seo suh so"), ("권", "kwon gwon kweon"), ("황", "hwang whang"), ("송", "song"),
            ("안", "ahn an"), ("홍", "hong"), ("전", "jeon jun chun chon jon"), ("고", "ko go koh"),
            ("문", "moon mun"), ("양", "yang ryang"), ("량", "ryang yang"), ("손", "son sohn"),
            ("배", "bae pae bai"), ("백", "baek paek baik back paik"), ("허", "heo huh ho hur"),
            ("남", "nam"), ("노", "noh roh no ro"), ("로", "ro roh no noh"), ("하", "ha hah"),
            ("곽", "kwak gwak kwok"), ("성", "sung seong song"), ("차", "cha"), ("주", "joo ju chu"),
            ("우", "woo u"), ("구", "koo gu ku"), ("민", "min"), ("진", "jin chin"), ("지", "ji chi jee"),
            ("엄", "uhm eom om um"), ("채", "chae chai"), ("원", "won weon"), ("천", "chun cheon chon"),
            ("방", "bang pang"), ("공", "kong gong"), ("현", "hyun hyeon hyon"), ("함", "ham hahm"),
            ("변", "byun byeon pyon byon"), ("염", "yeom yum yom"), ("여", "yeo yuh yo"),
            ("려", "ryo ryeo ryu lyeo"), ("추", "choo chu"), ("도", "do to doh"), ("소", "so soh"),
            ("석", "seok suk sok"), ("선", "sun seon son"), ("설", "seol sul sol"), ("마", "ma"),
            ("길", "gil kil"), ("연", "yeon yun yon youn"), ("위", "wi wee"), ("표", "pyo"),
            ("명", "myung myeong myong"), ("기", "ki gi kee"), ("반", "ban pan"), ("왕", "wang"),
            ("금", "keum geum kum"), ("옥", "ok ock"), ("육", "yook yuk"), ("인", "in"),
            ("맹", "maeng"), ("제", "je jae"), ("모", "mo"), ("탁", "tak"), ("국", "kook guk kuk"),
            ("영", "young yeong yong yung"), ("수", "soo su"), ("희", "hee hui heui hi"),
            ("철", "chul cheol chol"), ("준", "jun joon chun"), ("호", "ho"), ("순", "soon sun"),
            ("숙", "sook suk"), ("자", "ja cha"), ("광", "kwang gwang"), ("은", "eun un"),
            ("경", "kyung gyeong kyong"), ("동", "dong tong"), ("일", "il"), ("화", "hwa"),
            ("미", "mi"), ("혜", "hye hae"), ("태", "tae"), ("용", "yong young"), ("룡", "ryong yong"),
            ("혁", "hyuk hyeok hyok"), ("훈", "hoon hun"), ("환", "hwan"), ("복", "bok pok"),
        ]
        var t: [UInt32: [String]] = [:]
        for (k, v) in raw {
            let key = k.unicodeScalars.first!.value
            t[key, default: []] += v.split(separator: " ").map(String.init)
        }
        return t
    }()
}
