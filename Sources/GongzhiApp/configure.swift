import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Leaf
import LeafKit
import Vapor

/// Wires the application: services, database, migrations, views, middleware, routes and commands.
/// Opens no database connection (see `prepareAndMigrate`).
public func configure(_ app: Application, config: AppConfig, postgresSearchPath: String? = nil) throws {
    let root = ResourceLocation.packageRoot()
    // The interface's words: a key twice, or in one language only, stops the start with the reason.
    try Strings.prepare(root: root)
    let passwords = GongzhiCore.PasswordHasher(rounds: config.passwordRounds)
    app.gongzhi = GongzhiServices(
        config: config, cipher: try FieldCipher(dataKey: config.dataKey), passwords: passwords,
        decoyPasswordHash: passwords.hash(Tokens.random()),
        calendars: try CalendarStore(fileYears: CalendarLoader.years(root: root, extra: config.calendarDirectory), periods: config.workingPeriods),
        dataInventory: try DataInventoryLoader.load(root: root),
        sms: smsProvider(config, client: app.client))
    try DatabaseSetup.register(app, config: config, postgresSearchPath: postgresSearchPath)
    GongzhiMigrations.register(app)

    app.directory = DirectoryConfiguration(workingDirectory: root)
    // Templates are parsed once in a release build, whatever `--env` says: Leaf's own renderer turns its cache off
    // in the development environment, which is the default, so a server started without `--env production` read
    // and parsed every page's templates on every request (about a tenth of the workbench's time).
    app.leaf.cache.isEnabled = app.environment.isRelease
    app.views.use { app in
        var userInfo = app.leaf.userInfo
        userInfo["application"] = app
        return LeafRenderer(configuration: app.leaf.configuration, tags: app.leaf.tags, cache: app.leaf.cache, sources: app.leaf.sources,
                            eventLoop: app.eventLoopGroup.next(), userInfo: userInfo)
    }
    app.routes.defaultMaxBodySize = config.maxBodySize
    ContentConfiguration.global.use(decoder: SafeFormDataDecoder(), for: .formData)
    try NULCheckingDecoder.install(in: &ContentConfiguration.global)
    _ = Observability.registry

    // Outermost first: headers on every answer, errors turned into JSON or pages, static files, then who is
    // calling, the body read up to its route's limit, and whether a state-changing request is genuine.
    _ = app.submissionLimiter
    app.middleware = Middlewares()
    app.middleware.use(SecurityHeadersMiddleware(https: config.https))
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(DenialAuditMiddleware())
    app.middleware.use(GongzhiErrorMiddleware(formats: [Open311Controller.refusal]))
    let methods = MethodNotAllowedMiddleware()
    app.middleware.use(methods)
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(RequestLimitMiddleware())
    app.middleware.use(InputCharactersMiddleware())
    app.middleware.use(AuthenticationMiddleware())
    app.middleware.use(BodyCollectionMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(IdempotencyMiddleware())

    try app.register(collection: OperationsController())
    try app.register(collection: HomePagesController())
    try app.register(collection: LoginController())
    try app.register(collection: PhoneSignInController())
    try app.register(collection: AccountsController())
    try app.register(collection: PersonalDataController())
    try app.register(collection: AccountSecurityController())
    try app.register(collection: OrgAPIController())
    try app.register(collection: OrgPagesController())
    try app.register(collection: PartiesAPIController())
    try app.register(collection: PartyPagesController())
    try app.register(collection: ResponsibilityListPage())
    try app.register(collection: PropertySurveyController())
    try app.register(collection: PeopleAPIController())
    try app.register(collection: PeoplePagesController())
    try app.register(collection: HouseholdJoinPagesController())
    try app.register(collection: ImportController())
    try app.register(collection: AuditController())
    try app.register(collection: CasesAPIController())
    try app.register(collection: CatalogueAPIController())
    try app.register(collection: KPIAPIController())
    try app.register(collection: RectificationsAPIController())
    try app.register(collection: RectificationPagesController())
    try app.register(collection: CaseAttachmentsAPIController())
    try app.register(collection: OpenAPIController())
    try app.register(collection: Open311Controller())
    try app.register(collection: CaseNoticesAPIController())
    try app.register(collection: ResidentPortalPagesController())
    try app.register(collection: RequestFormPagesController())
    try app.register(collection: WorkbenchPagesController())
    try app.register(collection: CasePagesController())
    try app.register(collection: WindowEntryPagesController())
    try app.register(collection: SupervisionPagesController())
    try app.register(collection: OwnerVotesAPIController())
    try app.register(collection: OwnerVotePagesController())
    try app.register(collection: NeedsAPIController())
    try app.register(collection: NeedPagesController())
    try app.register(collection: PollsAPIController())
    try app.register(collection: AnnouncementsAPIController())
    try app.register(collection: AnnouncementPagesController())
    try app.register(collection: PointsAPIController())
    try app.register(collection: PointsPagesController())
    try app.register(collection: ActivitiesAPIController())
    try app.register(collection: ActivityPagesController())
    try app.register(collection: DisclosurePagesController())
    try app.register(collection: ConventionsAPIController())
    try app.register(collection: ConventionPagesController())
    try app.register(collection: DualRegistrationAPIController())
    try app.register(collection: PartyMemberPagesController())
    try app.register(collection: PartyOrganisationPagesController())
    try app.register(collection: FinancesAPIController())
    try app.register(collection: FinancePagesController())
    try app.register(collection: PollPagesController())
    try app.register(collection: DeliberationHubPagesController())
    try app.register(collection: WarningsAPIController())
    try app.register(collection: FollowUpsAPIController())
    try app.register(collection: WarningSettingsAPIController())
    try app.register(collection: CouncilAPIController())
    try app.register(collection: ProjectsAPIController())
    try app.register(collection: CouncilPagesController())
    try app.register(collection: ProjectPagesController())
    methods.load(app.routes.all)

    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(GenerateCommand(), as: "generate")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(RestoreDrillCommand(), as: "restore-drill")
    app.asyncCommands.use(RetentionSweepCommand(), as: "retention-sweep")
    var audit = AsyncCommands()
    audit.use(AuditVerifyCommand(), as: "verify")
    audit.use(AuditKeygenCommand(), as: "keygen")
    audit.use(AuditCheckpointCommand(), as: "checkpoint")
    app.asyncCommands.use(audit.group(help: "Audit log commands"), as: "audit")
    app.asyncCommands.use(APIKeyCommands.group(), as: "api-key")
    app.asyncCommands.use(OwnerVoteCommands.group(), as: "owner-vote")
    app.asyncCommands.use(CalendarCommands.group(), as: "calendar")
    app.asyncCommands.use(ClassifierCommands.group(), as: "classifier")
    var kpi = AsyncCommands()
    kpi.use(KPICheckCommand(), as: "check")
    app.asyncCommands.use(kpi.group(help: "KPI rollups"), as: "kpi")
}

extension Application {
    /// Prepares the connections (WAL, timeouts, durability checks) and brings the schema up to date.
    public func prepareAndMigrate() async throws {
        try await DatabaseSetup.prepare(self)
        try await autoMigrate()
        try await CatalogueStore.seedIfEmpty(self)
        // The arrangements loaded into the database join the holiday files; open provisional deadlines are computed
        // again when a year has arrived since (in a file under GONGZHI_CALENDAR_DIR, or loaded by another instance).
        let loaded = try await HolidayArrangements.loadedYears(on: db)
        try gongzhi.calendars.update(loaded: loaded.years, signature: loaded.signature)
        // Never a reason not to start: what is not recomputed now is when the next arrangement loads, or a case's
        // next step computes it.
        do { try await HolidayArrangements.recompute(self.context()) } catch {
            logger.warning("provisional deadlines not recomputed at start-up: \(String(describing: error))")
        }
    }

    /// What `serve` does before listening: migrate, create the small demo district on the first start, print the
    /// demo logins.
    public func prepareToServe() async throws {
        try await prepareAndMigrate()
        // Background work runs under `serve` only, never during a one-off command.
        lifecycle.use(PeriodicWork(name: "session sweep", every: .seconds(600)) { context in
            try await SessionSweeper.sweep(context)
            try await IdempotencyKeys.sweep(context)
            try await PhoneSignIn.sweep(context)
            try await AddressFailures.sweep(context)
            try await SignInPlaces.sweep(context)
            try await context.services.classifier.retrain(on: context.db)
        })
        lifecycle.use(PeriodicWork(name: "retention sweep", every: .seconds(3_600)) { context in
            try await RetentionSweep.run(context)
        })
        lifecycle.use(PeriodicWork(name: "case maintenance", every: .seconds(60)) { context in
            try await HolidayArrangements.refresh(context)
            try await CaseMaintenance.autoClose(in: context, ratingDays: context.services.config.autoCloseDays)
            try await CaseMaintenance.refreshLevels(context)
            try await Warnings.evaluate(context)
        })
        lifecycle.use(PeriodicWork(name: "memory trim", every: .seconds(60)) { _ in ProcessMemory.trim() })
        lifecycle.use(PeriodicWork(name: "KPI rollups", every: .seconds(5)) { context in _ = try await KPIRollups.catchUpAll(context, limit: 50) })
        lifecycle.use(PeriodicWork(name: "deliberation", every: .seconds(60)) { context in
            _ = try await OwnerVotes.closeDue(in: context)
            _ = try await Polls.closeDue(in: context)
            _ = try await Points.expireDue(in: context)
        })
        let households = gongzhi.config.firstStartDemoHouseholds
        if households > 0, try await DemoDistrictSeeder.seed(app: self, streets: 2, households: households, seed: 42, progress: false) != nil {
            logger.notice("first start: demo district created (\(households) households)")
        }
        for line in try await DemoAccounts.banner(app: self) { print(line) }
        if let year = HolidayArrangements.missingYear(self.context()) {
            let warning = Strings.text("calendar.missing_year", .zh).replacingOccurrences(of: "{year}", with: "\(year)")
            logger.warning("\(warning)")
            print("注意：" + warning)
        }
        if case .sqlite(let path) = gongzhi.config.database { print("Database: SQLite \(path)") } else { print("Database: PostgreSQL") }
        print("Data key: \(gongzhi.config.dataKeySource) — back it up: without it the ID and phone numbers cannot be read.")
    }
}

/// Finds `Resources/` and `Public/`: the working directory when it has them, else the package this file is in.
enum ResourceLocation {
    static func packageRoot() -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        if FileManager.default.fileExists(atPath: cwd + "Resources/Views") { return cwd }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/"
    }
}

/// The provider `config.sms` names.
func smsProvider(_ config: AppConfig, client: any Client) -> any SMSProvider {
    switch config.sms {
    case .file(let path): FileSMSProvider(path: path ?? config.storageDirectory + "/sms-outbox.jsonl")
    case .http(let url, let key, let template): HTTPSMSProvider(url: url, key: key, template: template, client: client)
    case .disabled: DisabledSMSProvider()
    }
}
