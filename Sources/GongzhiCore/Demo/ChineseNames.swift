/// Realistic Chinese names and place names, generated rather than listed.
public enum ChineseNames {
    /// Common surnames, most frequent first (the first ten cover about 40 % of people).
    static let surnames = Array(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    ).map(String.init)
    static let compoundSurnames = ["欧阳", "司马", "诸葛", "上官"]
    static let givenCharacters = Array(
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文玉兰辉鹏飞斌宇浩凯健俊帆帅旭宁博瑞晨思雨欣怡子涵梓轩佳琪梦瑶雪梅淑珍德福海燕春晓云龙波林丹萍"
    ).map(String.init)
    static let placeStems = Array(
        "和平安定建国朝阳光明东风胜利幸福团结长青新华兴隆永安丰盛景泰嘉禾金台望京花园北苑南湖西坝东湖翠微玉泉清河云岗青塔宝华樱桃紫竹万寿馨园锦绣康乐福海祥和"
    ).map(String.init)
    static let compoundSuffixes = ["小区", "家园", "花园", "苑", "里", "新村", "公寓"]

    public static func person(using rng: inout SeededGenerator) -> String {
        let surname = rng.chance(0.01) ? rng.pick(compoundSurnames) : weightedSurname(using: &rng)
        let given = rng.chance(0.3)
            ? rng.pick(givenCharacters) : rng.pick(givenCharacters) + rng.pick(givenCharacters)
        return surname + given
    }

    /// Surnames drawn with a falling frequency, so 王 李 张 are the commonest as in life.
    static func weightedSurname(using rng: inout SeededGenerator) -> String {
        let u = Double.random(in: 0..<1, using: &rng)
        let index = Int(Double(surnames.count) * u * u)
        return surnames[min(index, surnames.count - 1)]
    }

    /// A two-character place stem ("和平", "望京"), distinct from those in `used`.
    public static func placeStem(using rng: inout SeededGenerator, avoiding used: inout Set<String>) -> String {
        for _ in 0..<200 {
            let start = rng.int(0...(placeStems.count / 2 - 1)) * 2
            let stem = placeStems[start] + placeStems[start + 1]
            if used.insert(stem).inserted { return stem }
        }
        var n = used.count
        while true {
            n += 1
            let stem = rng.pick(placeStems) + rng.pick(placeStems) + String(n)
            if used.insert(stem).inserted { return stem }
        }
    }

    public static func compoundSuffix(using rng: inout SeededGenerator) -> String { rng.pick(compoundSuffixes) }
}
