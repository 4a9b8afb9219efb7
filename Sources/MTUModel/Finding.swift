/// One way to fix or mitigate a finding, in the words of the device or product it applies to.
public struct Fix: Sendable, Hashable, Codable {
    /// Short title, e.g. "Raise the MTU on fw (FortiGate)".
    public var title: String
    /// The product or device language: "fortigate", "linux", "calico", "iptables", …
    public var vendor: String
    /// Exact commands or configuration, one line each.
    public var commands: [String]
    /// Caveats: what else must happen, what it does not fix.
    public var note: String?
    /// Whether this removes the cause (`true`) or only works around it.
    public var resolvesCause: Bool

    public init(title: String, vendor: String, commands: [String], note: String? = nil, resolvesCause: Bool) {
        self.title = title
        self.vendor = vendor
        self.commands = commands
        self.note = note
        self.resolvesCause = resolvesCause
    }
}

/// What is wrong, where, with its evidence and fixes. A diagnosis is data, never an error.
public struct Finding: Sendable, Hashable, Codable {
    public var severity: Severity
    /// What it is about, e.g. `ptb-lost-rp-filter` (check), `pod-mtu-too-large` (the audit), `stalled-segment`
    /// (a capture).
    public var kind: FindingKind
    public var summary: String
    /// Evidence and reasoning, one sentence each.
    public var details: [String]
    public var node: String?
    public var interface: String?
    /// Flows affected.
    public var flows: [String]
    public var fixes: [Fix]
    /// The packets that prove it, for a finding read from a capture (nil for check's and the audit's, which
    /// reason from configuration).
    public var proof: PacketProof?

    public init(
        severity: Severity, kind: FindingKind, summary: String, details: [String] = [], node: String? = nil,
        interface: String? = nil, flows: [String] = [], fixes: [Fix] = [], proof: PacketProof? = nil
    ) {
        self.severity = severity
        self.kind = kind
        self.summary = summary
        self.details = details
        self.node = node
        self.interface = interface
        self.flows = flows
        self.fixes = fixes
        self.proof = proof
    }

    /// Every fix's commands, in order: what an audit finding prints under its title.
    public var commands: [String] { fixes.flatMap(\.commands) }
}
