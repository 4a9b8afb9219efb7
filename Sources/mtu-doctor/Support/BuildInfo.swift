/// What this binary is: the release version, and the commit it was built from. `scripts/release.sh` writes the
/// commit here for the build and restores this file afterwards; a build from a checkout says so.
enum BuildInfo {
    static let version = "0.1.0"
    static let commit = "source build"
    static var description: String { "\(version) (\(commit))" }
}
