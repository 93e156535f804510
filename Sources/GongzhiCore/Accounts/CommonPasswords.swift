import Foundation

/// Passwords refused outright: the commonest ones seen in leaks (Chinese and the top 3 000 international),
/// repeated and sequential digits, and the product's own name. Compared in lower case.
enum CommonPasswords {
    /// The list below and the 3 000 commonest leaked passwords (`leaked`).
    static let all: Set<String> = chinese.union(leaked)

    /// The checklist's top-3 000 list (row 1), from `common-passwords.txt` beside this file (a resource of the module).
    static let leaked: [String] = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("common-passwords.txt is missing from GongzhiCore's resources") }
        return text.split(separator: "\n").filter { !$0.hasPrefix("# ") && !$0.isEmpty }.map(String.init)
    }()

    /// Chinese users' commonest choices (dates, 520/1314 "I love you forever", pinyin), digits, the product's name.
    static let chinese: Set<String> = [
        "000000", "0000000", "00000000", "000000000", "0000000000", "00001111", "0123456789", "111111", "1111111",
        "11111111", "111111111", "1111111111", "11111111a", "111222333", "112233", "11223344", "121212", "123123",
        "123123123", "123321", "12341234", "12344321", "123456", "1234567", "12345678", "123456789", "1234567890",
        "123456789a", "12345678a", "1234abcd", "1234qwer", "123654789", "12qwaszx", "1314520", "147258369",
        "147852369", "159357", "19491001", "19501950", "19511951", "19521952", "19531953", "19541954", "19551955",
        "19561956", "19571957", "19581958", "19591959", "19601960", "19611961", "19621962", "19631963", "19641964",
        "19651965", "19661966", "19671967", "19681968", "19691969", "19701970", "19711971", "19721972", "19731973",
        "19741974", "19751975", "19761976", "19771977", "19781978", "19791979", "19801980", "19811981", "19821982",
        "19831983", "19841984", "19851985", "19861986", "19871987", "19881988", "19891989", "19901990", "19911991",
        "19921992", "19931993", "19941994", "19951995", "19961996", "19971997", "19981998", "19991999", "1q2w3e4r",
        "1q2w3e4r5t", "1qaz2wsx", "20002000", "20012001", "20022002", "20032003", "20042004", "20052005", "20062006",
        "20072007", "20082008", "20092009", "20102010", "20112011", "20122012", "20132013", "20142014", "20152015",
        "20162016", "20172017", "20182018", "20192019", "20202020", "20212021", "20222022", "20232023", "20242024",
        "20252025", "20262026", "222222", "2222222", "22222222", "222222222", "2222222222", "333333", "3333333",
        "33333333", "333333333", "3333333333", "444444", "4444444", "44444444", "444444444", "4444444444", "5201314",
        "52013145", "520520", "555555", "5555555", "55555555", "555555555", "5555555555", "654321", "666666",
        "6666666", "66666666", "666666666", "6666666666", "741852963", "777777", "7777777", "77777777", "777777777",
        "7777777777", "87654321", "888888", "8888888", "88888888", "888888888", "8888888888", "963852741",
        "987654321", "999999", "9999999", "99999999", "999999999", "9999999999", "a11111111", "a123456", "a1234567",
        "a12345678", "a1b2c3d4", "a88888888", "aa123456", "aa12345678", "aaaaaaaa", "abc123", "abc12345", "abc123456",
        "abc123abc", "abcd1234", "abcdefg1", "abcdefgh", "admin", "admin123", "admin1234", "administrator",
        "aini1314", "alipay123", "apple123", "asdasdasd", "asdf1234", "asdfghjk", "asdfghjkl", "baidu123", "baseball",
        "batman", "beijing", "beijing2008", "changeme", "changeme1", "china123", "computer", "dragon", "football",
        "gongzhi", "gongzhi123", "google", "hello123", "hello1234", "iloveyou", "iloveyou1", "internet", "iphone",
        "letmein", "li123456", "love1314", "master", "mima123", "mima1234", "mima123456", "monkey", "p@ssw0rd",
        "p@ssword", "pass1234", "passw0rd", "passwd", "password", "password!", "password1", "password123",
        "password@1", "princess", "q1w2e3r4", "qazwsx", "qazwsx123", "qq123456", "qq5201314", "qwe123", "qwe12345",
        "qwe123456", "qweasd", "qweasdzxc", "qweqweqwe", "qwer1234", "qwerty", "qwerty12", "qwerty123", "qwertyuiop",
        "root123", "samsung", "shadow", "shanghai", "shequ123", "sunshine", "superman", "taobao123", "test1234",
        "test123456", "trustno1", "wang123456", "wangge123", "wechat123", "weixin123", "welcome", "welcome1",
        "woaini", "woaini1314", "woaini520", "wodemima", "woshishui", "zhang123", "zhangwei", "zhongguo", "zxcv1234",
        "zxcvbnm", "zxcvbnm123", "zxczxczxc",
    ]
}
