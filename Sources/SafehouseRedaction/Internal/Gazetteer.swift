/// Public names and common words that a subject's given name may share: these decide when a
/// given name alone needs a personal context before it is replaced.
///
/// A gazetteer entry never protects a subject's full name or the subject's own places; it
/// only makes a bare given name (광주, 하늘) match in personal uses alone (광주야, 하늘 씨).
enum Gazetteer {
    private static func set(_ words: String) -> Set<String> {
        Set(words.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// Provinces, cities and counties of both Koreas, the Chinese border region and Japan, in Hangul.
    static let hangulPlaces: Set<String> = set("""
    서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주 수원 성남 고양 용인 창원 청주 전주 \
    천안 안산 안양 김해 포항 평택 원주 춘천 강릉 여수 순천 목포 군산 익산 경주 진주 거제 통영 안동 구미 김천 제천 충주 속초 \
    동해 삼척 태백 정선 철원 화천 양구 인제 고성 파주 김포 의정부 동두천 연천 포천 가평 양평 이천 여주 광명 과천 군포 의왕 \
    하남 구리 남양주 오산 화성 시흥 부천 문산 영월 평창 횡성 홍천 논산 공주 보령 아산 서산 당진 홍성 예산 태안 부여 청양 \
    남원 정읍 김제 완주 무주 진안 장수 임실 순창 고창 부안 나주 광양 담양 곡성 구례 고흥 보성 화순 장흥 강진 해남 영암 무안 \
    함평 영광 장성 완도 진도 신안 영주 영천 상주 문경 경산 의성 청송 영양 영덕 청도 고령 성주 칠곡 예천 봉화 울진 울릉 밀양 \
    양산 의령 함안 창녕 남해 하동 산청 함양 거창 합천 사천 서귀포 \
    평양 남포 개성 신의주 함흥 청진 원산 혜산 강계 사리원 해주 평성 나선 라선 라진 선봉 김책 단천 회령 무산 온성 경성 길주 \
    명천 화대 어랑 부령 새별 은덕 경원 양강 자강 황해 평안 함경 신포 북청 홍원 정평 영광 덕천 안주 개천 구장 희천 만포 \
    초산 위원 중강 삼지연 보천 운흥 갑산 풍서 대홍단 백암 김형직 김정숙 신파 송림 안악 재령 신천 옹진 강령 벽성 연안 \
    배천 평산 금천 토산 장풍 판문 금강 통천 문천 천내 고산 안변 이천 세포 평강 철산 선천 정주 곽산 구성 태천 운산 향산 \
    연길 용정 도문 훈춘 화룡 안도 왕청 돈화 장백 단동 심양 선양 장춘 길림 지린 하얼빈 대련 다롄 베이징 북경 상해 상하이 \
    청도 칭다오 천진 톈진 목단강 무단장 집안 통화 백산 임강 연변 \
    도쿄 동경 오사카 교토 니가타 요코하마 나고야 고베 후쿠오카 삿포로 센다이 히로시마 나가사키 오키나와 홋카이도 \
    베트남 라오스 태국 몽골 중국 일본 미국 러시아 캄보디아 방콕 쿤밍 곤명 하노이
    """)

    /// Common words that are also given names (native Korean names and Sino-Korean ones).
    static let hangulWords: Set<String> = set("""
    하늘 바다 구름 노을 이슬 나래 누리 가람 한결 슬기 다솜 아름 빛나 한별 샛별 은하 우주 세상 나라 미래 소라 하나 두리 보배 \
    진주 은혜 지혜 용기 정의 인정 성공 태양 광명 명예 충성 효도 선녀 천사 장미 국화 매화 목련 백합 난초 송이 나리 초롱 \
    단비 여울 마루 고운 새봄 봄날 여름 가을 겨울 보람 사랑 행복 소망 기쁨 희망 평화 자유 통일 광복 영광 승리 민주 건국 \
    해방 혁명 충정 정성 믿음 다운 한빛 새롬 아라 가온 라온 온새미 미소 수정 옥순 금순 은순 보석 별님 달님 햇님 해님 \
    바람 한울 하람 초원 은빛 금빛 산들 시내 냇물 강물 들꽃 꽃님 민족 조국 인민 영웅 청춘 세종 한강 백두 한라 금강 설악 \
    지리 태백 건국 국민 대한 한국 조선 고려 신라 백제 가야
    """)

    /// Whether a Hangul given name is also a public place or a common word.
    static func isWordLike(_ hangul: String) -> Bool {
        hangulPlaces.contains(hangul) || hangulWords.contains(hangul)
    }
}
