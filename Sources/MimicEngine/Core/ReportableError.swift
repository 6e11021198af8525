/// An error meant for a person: `description` is one sentence that names the thing,
/// the problem and the fix. The CLI prints it as is and exits non-zero.
public protocol ReportableError: Error, CustomStringConvertible {}
