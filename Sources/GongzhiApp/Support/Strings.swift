import Foundation

/// Every word the interface shows, in Simplified Chinese and English. Pages receive the table of their language.
enum Strings {
    static func text(_ key: String, _ lang: Lang) -> String {
        entry(key, lang) ?? key
    }

    /// The words for `key`, or nil when there are none.
    static func entry(_ key: String, _ lang: Lang) -> String? {
        table[key].map { lang == .zh ? $0.0 : $0.1 }
    }

    /// The whole table in one language for page contexts, with `_` for `.` in keys: `#(t.login_title)`.
    static func all(_ lang: Lang) -> [String: String] {
        lang == .zh ? zhTable : enTable
    }

    private static let zhTable = Dictionary(uniqueKeysWithValues: table.map { (leafKey($0.key), $0.value.0) })
    private static let enTable = Dictionary(uniqueKeysWithValues: table.map { (leafKey($0.key), $0.value.1) })

    static func leafKey(_ key: String) -> String { key.replacingOccurrences(of: ".", with: "_") }

    static let table: [String: (String, String)] = base.merging(CaseStrings.table) { first, _ in first }
        .merging(DeliberationStrings.table) { first, _ in first }.merging(AccountSecurityStrings.table) { first, _ in first }

    static let base: [String: (String, String)] = [
        // Product
        "app.name": ("共治 · 社区共建共治共享平台", "Gongzhi · Community co-governance"),
        "app.short": ("共治", "Gongzhi"),
        "nav.home": ("首页", "Home"),
        "nav.org": ("组织架构", "Organisation"),
        "nav.people": ("居民信息", "Residents"),
        "nav.import": ("批量导入", "Import"),
        "nav.users": ("账号与角色", "Accounts & roles"),
        "nav.audit": ("审计日志", "Audit log"),
        "nav.login": ("登录", "Sign in"),
        "nav.logout": ("退出登录", "Sign out"),
        "nav.skip": ("跳到主要内容", "Skip to main content"),
        "prefs.lang_switch": ("English", "中文"),
        "prefs.elderly_on": ("长辈版（大字）", "Large-text mode"),
        "prefs.elderly_off": ("标准版", "Standard mode"),
        "common.save": ("保存", "Save"),
        "common.create": ("新建", "Create"),
        "common.edit": ("修改", "Edit"),
        "common.move": ("移动", "Move"),
        "common.search": ("查询", "Search"),
        "common.back": ("返回", "Back"),
        "common.none": ("暂无", "None"),
        "common.actions": ("操作", "Actions"),
        "common.name": ("名称", "Name"),
        "common.code": ("编码", "Code"),
        "common.level": ("层级", "Level"),
        "common.submit": ("提交", "Submit"),
        "common.previous": ("上一页", "Previous"),
        "common.next": ("下一页", "Next"),
        "common.yes": ("是", "Yes"),
        "common.no": ("否", "No"),
        "form.has_errors": ("请修改以下问题后重新提交：", "Please correct the following and submit again:"),
        "form.saved": ("已保存。", "Saved."),

        // Levels and relations
        "level.district": ("区", "District"),
        "level.street": ("街道", "Street"),
        "level.community": ("社区", "Community"),
        "level.grid": ("网格", "Grid"),
        "relation.owner": ("业主", "Owner"),
        "relation.co_owner": ("共有人", "Co-owner"),
        "relation.tenant": ("租户", "Tenant"),
        "relation.family": ("家庭成员", "Family member"),

        // Categories (SPEC §3)
        "category.ADMIN": ("社区行政执法和管理事务", "Administrative enforcement and management"),
        "category.SERVICE": ("社区社会服务事务", "Social services"),
        "category.PROPERTY_COMMERCIAL": ("商品房小区物业管理事务", "Property management, commercial compounds"),
        "category.PROPERTY_OTHER": ("非商品房小区物业管理事务", "Property management, compounds without a company"),
        "category.MUTUAL_AID": ("社区居民互助事务", "Residents' mutual aid"),
        "category.ORGANISATION": ("社区组织事务", "Community organisation affairs"),
        "category.TEMPORARY": ("社区临时性、专业性事务", "Temporary and specialised affairs"),

        // Roles
        "role.resident": ("居民", "Resident"),
        "role.grid_worker": ("网格员", "Grid worker"),
        "role.community_worker": ("社区工作者", "Community worker"),
        "role.street_supervisor": ("街道督办", "Street supervisor"),
        "role.district_officer": ("区职能部门", "District department officer"),
        "role.system_admin": ("系统管理员", "System administrator"),
        "role.security_admin": ("安全管理员", "Security administrator"),
        "role.audit_admin": ("审计管理员", "Audit administrator"),

        // Login
        "login.title": ("登录", "Sign in"),
        "login.username": ("用户名", "Username"),
        "login.password": ("密码", "Password"),
        "login.submit": ("登录", "Sign in"),
        "login.failed": ("用户名或密码不正确。", "The username or password is not correct."),
        "login.expired": ("您已长时间未操作，请重新登录。", "Your session has ended. Please sign in again."),

        // Home
        "home.title": ("工作台", "Workbench"),
        "home.welcome": ("您好，", "Welcome, "),
        "home.roles": ("您的角色", "Your roles"),
        "home.resident_intro": ("在这里可以查看您家庭登记的信息。诉求办理、议事协商等功能即将上线。", "Here you can see what is registered for your household. Requests, deliberation and more are coming."),
        "home.my_household": ("我的家庭", "My household"),

        // Organisation
        "org.title": ("组织架构", "Organisation tree"),
        "org.children": ("下级", "Below"),
        "org.compounds": ("小区", "Compounds"),
        "org.buildings": ("楼栋", "Buildings"),
        "org.units": ("房屋", "Units"),
        "org.new_child": ("新建下级", "New node below"),
        "org.new_compound": ("新建小区", "New compound"),
        "org.new_building": ("新建楼栋", "New building"),
        "org.new_unit": ("新建房屋", "New unit"),
        "org.parent": ("上级", "Parent"),
        "org.new_parent": ("新的上级", "New parent"),
        "org.grid": ("所属网格", "Grid"),
        "org.area": ("专有部分面积（平方米）", "Exclusive area (m²)"),
        "org.address": ("地址", "Address"),
        "org.unit_number": ("房号", "Unit number"),
        "org.developer_held": ("开发建设单位未出售", "Held by the developer (unsold)"),
        "org.commercial": ("商品房小区（有物业服务企业）", "Commercial compound (with a property company)"),
        "org.households": ("住户", "Households"),
        "org.root": ("全部", "All"),

        // People
        "people.title": ("居民信息", "Residents"),
        "people.name": ("姓名", "Name"),
        "people.id_number": ("身份证号", "ID number"),
        "people.phone": ("手机号", "Mobile"),
        "people.relation": ("关系", "Relation"),
        "people.resides": ("在此居住", "Lives here"),
        "people.find": ("按手机号或身份证号精确查找", "Find by mobile or ID number (exact)"),
        "people.find_by_name": ("按姓名查找", "Find by name"),
        "people.unmask": ("查看完整号码", "Show full numbers"),
        "people.unmask_reason": ("查看原因（将记入审计日志）", "Reason (recorded in the audit log)"),
        "people.unmasked_note": ("完整号码仅本次显示，查看已记入审计日志。", "Shown this once; the viewing is in the audit log."),
        "people.new": ("登记居民", "Register a resident"),
        "people.household": ("家庭", "Household"),
        "people.add_member": ("添加家庭成员", "Add a member"),

        // Import
        "import.title": ("批量导入房屋和居民", "Import units and residents"),
        "import.help": ("上传 CSV 文件（UTF-8）。表头：小区,楼栋,房号,面积,网格,姓名,身份证号,手机号,关系。有效行一次性导入，无效行逐行列出原因；重复导入同一文件不会产生重复数据。", "Upload a CSV file (UTF-8). Header: compound,building,unit,area,grid,name,id_number,phone,relation. Valid rows are imported together, invalid rows are listed with reasons; importing the same file again changes nothing."),
        "import.community": ("导入到社区", "Into community"),
        "import.file": ("CSV 文件", "CSV file"),
        "import.result": ("导入结果", "Result"),
        "import.created_units": ("新增房屋", "Units created"),
        "import.updated_units": ("更新房屋", "Units updated"),
        "import.created_persons": ("新增居民", "Residents created"),
        "import.created_members": ("新增家庭关系", "Household links created"),
        "import.unchanged": ("未变化的行", "Rows unchanged"),
        "import.rejected": ("未导入的行", "Rows refused"),
        "import.row": ("行号", "Row"),
        "import.field": ("字段", "Field"),
        "import.reason": ("原因", "Reason"),
        "import.reason.missing_column": ("缺少此列", "The column is missing"),
        "import.reason.required": ("必填", "Required"),
        "import.reason.too_long": ("内容过长", "Too long"),
        "import.reason.invalid_area": ("面积格式不正确（大于 0，最多两位小数）", "Not a valid area (above 0, at most two decimals)"),
        "import.reason.invalid_id_number": ("身份证号格式不正确", "Not a valid ID number"),
        "import.reason.invalid_id_check_digit": ("身份证号校验码不正确", "The ID number's check character is wrong"),
        "import.reason.invalid_birth_date": ("身份证号中的出生日期无效", "The birth date in the ID number does not exist"),
        "import.reason.invalid_phone": ("手机号格式不正确", "Not a valid mobile number"),
        "import.reason.invalid_relation": ("关系应为 业主/共有人/租户/家庭成员", "Relation must be owner, co-owner, tenant or family"),
        "import.reason.conflicting_area": ("同一房屋面积与前面的行不一致", "The same unit has a different area in an earlier row"),
        "import.reason.conflicting_person": ("同一身份证号对应不同姓名", "The same ID number has a different name"),
        "import.reason.unknown_grid": ("本社区没有这个网格", "No such grid in this community"),
        "import.reason.wrong_field_count": ("列数与表头不一致", "The number of fields differs from the header"),
        "import.reason.malformed_file": ("文件格式不正确（引号未闭合）", "The file is malformed (an unclosed quote)"),
        "import.reason.too_many_rows": ("行数过多，请分批导入", "Too many rows; split the file"),

        // Accounts
        "users.title": ("账号与角色", "Accounts and roles"),
        "users.new": ("新建账号", "New account"),
        "users.username": ("用户名", "Username"),
        "users.display_name": ("显示名称", "Display name"),
        "users.password": ("初始密码", "Initial password"),
        "users.grant": ("授予角色", "Grant a role"),
        "users.role": ("角色", "Role"),
        "users.node": ("授权范围（组织节点）", "At node"),
        "users.revoke": ("撤销", "Revoke"),
        "users.disabled": ("已停用", "Disabled"),

        // Audit
        "audit.title": ("审计日志", "Audit log"),
        "audit.verify": ("校验哈希链", "Verify the hash chain"),
        "audit.ok": ("哈希链完整", "The chain is intact"),
        "audit.broken": ("哈希链在以下条目处断裂：", "The chain breaks at entry"),
        "audit.checkpoints_ok": ("；已核对的签名检查点：", "; signed checkpoints confirmed:"),
        "audit.checkpoints_unchecked": ("；未配置审计管理员公钥，签名检查点未核对", "; no audit public key configured: signed checkpoints not checked"),
        "audit.seq": ("序号", "No."),
        "audit.time": ("时间（UTC）", "Time (UTC)"),
        "audit.actor": ("操作人", "Actor"),
        "audit.action": ("操作", "Action"),
        "audit.object": ("对象", "Object"),
        "audit.outcome": ("结果", "Outcome"),

        // Errors
        "error.title": ("出错了", "Something went wrong"),
        "error.not_found": ("没有找到这条记录，或您无权查看。", "Not found, or you may not see it."),
        "error.forbidden": ("您没有权限进行此操作。", "You are not allowed to do this."),
        "error.unauthorized": ("请先登录。", "Please sign in."),
        "error.csrf": ("页面已过期，请刷新后重试。", "The page has expired; reload it and try again."),
        "error.idempotency_key_invalid": ("Idempotency-Key 须为 1 至 255 个可见字符。", "Idempotency-Key must be 1 to 255 visible characters."),
        "error.idempotency_key_reused": ("这个 Idempotency-Key 已用于另一个请求。", "This Idempotency-Key was used for another request."),
        "error.idempotency_in_flight": ("同一请求正在处理中，请稍后再试。", "The same request is still being processed: try again shortly."),
        "error.out_of_range": ("数值超出允许范围。", "The value is out of the allowed range."),
        "error.too_many_submissions": ("提交太频繁，请稍后再试。", "Too many requests raised: please try again later."),
        "error.address_locked": ("这个网络地址登录失败次数过多，已临时锁定，请 10 分钟后再试。", "Too many failed sign-ins from this address: try again in 10 minutes."),
        "error.locked": ("登录失败次数过多，账号已临时锁定 15 分钟。", "Too many failed sign-ins: the account is locked for 15 minutes."),
        "error.malformed_json": ("请求内容不是有效的 JSON。", "The request body is not valid JSON."),
        "error.invalid": ("内容不正确。", "This value is not valid."),
        "error.required": ("必填。", "Required."),
        "error.too_long": ("内容过长。", "Too long."),
        "error.body_too_large": ("提交的内容过大。", "The request is too large."),
        "error.invalid_id_number": ("身份证号不正确（应为 18 位，校验码和出生日期有效）。", "Not a valid ID number (18 characters, valid check character and birth date)."),
        "error.invalid_phone": ("手机号不正确（应为 11 位，以 13–19 开头）。", "Not a valid mobile number (11 digits starting 13–19)."),
        "error.invalid_area": ("面积不正确（大于 0，最多两位小数）。", "Not a valid area (above 0, at most two decimals)."),
        "error.wrong_parent_level": ("上级节点的层级不对。", "The parent is not of the right level."),
        "error.cycle": ("不能移动到自己的下级。", "A node cannot move below itself."),
        "error.duplicate": ("已存在同名记录。", "A record with this name already exists."),
        "error.duplicate_person": ("该身份证号已登记。", "This ID number is already registered."),
        "error.weak_password": ("密码不符合要求（至少 8 位，不能是常见密码）。", "The password does not meet the rules (8 characters or more, not a common one)."),
        "error.role_conflict": ("管理员角色不能与其他角色兼任（三员分立）。", "An administrator role cannot be combined with another role."),
        "error.self_grant": ("不能给自己授权。", "You cannot grant roles to yourself."),
        "error.wrong_level": ("该角色不能授予在这一层级。", "This role cannot be granted at this level."),
        "error.reason_required": ("请填写查看原因。", "Please give a reason."),
        "error.malformed_body": ("提交的内容格式不正确。", "The request body is malformed."),
        "error.bad_request": ("请求不正确。", "The request is not valid."),
        "error.internal": ("服务器内部错误，请稍后重试。", "Internal error; please try again later."),
        "error.unsupported_media_type": ("不支持的内容类型。", "Unsupported content type."),
        "error.invalid_transition": ("当前状态下不能进行此操作。", "This action is not possible in the case's current state."),
        "error.arbitration_binds": ("街道已指定承办，不能再退单。", "The street has assigned the handler: the case cannot be returned again."),
        "error.top_level": ("已是最高层级，不能再上报。", "Already at the top level: it cannot be escalated further."),
        "error.invalid_catalogue": ("事务清单内容不正确。", "The catalogue is not valid."),
        "error.unsupported_file_type": ("只能上传 JPEG、PNG 或 WebP 图片。", "Only JPEG, PNG or WebP images can be uploaded."),
        "error.too_many_attachments": ("每件诉求最多 6 张照片。", "At most 6 photos per case."),
        "error.case_closed": ("诉求已办结，不能再添加。", "The case is closed."),
        "error.no_catalogue": ("事务清单尚未加载。", "The affairs catalogue is not loaded."),
        "error.too_many_requests": ("请求过于频繁，请稍后再试。", "Too many requests; please wait."),
        "notice.merged": ("您反映的问题已与诉求 {number} 合并办理，可在该诉求中查看进展。", "Your request was merged with case {number}: follow its progress there."),
        "notice.replied": ("诉求 {number} 已有答复，请查看并评价。", "Case {number} has been answered: please read the reply and rate it."),
        "notice.closed": ("诉求 {number} 已办结。", "Case {number} is closed."),
        "error.outside_area": ("该位置附近 300 米内没有登记的楼栋，请选择小区和楼栋。", "No registered building within 300 m of this point: choose the compound and building."),
        "error.unknown_question": ("该事项没有这个问题。", "This item does not ask this question."),
        "error.not_a_number": ("请填写数字。", "Enter a number."),
        "error.not_a_datetime": ("请填写日期和时间。", "Enter a date and time."),
        "error.not_a_choice": ("请从选项中选择。", "Choose one of the options."),
        "error.too_many_values": ("只能选择一项。", "Choose only one."),
    ]
}
