import Foundation
import MimicEngine
import Yams

/// A sweep file: the grid of `mimic train` options to run, in the shape of a W&B
/// sweep file, which users of such tools already know:
///
///     name: labeled fractions          # optional
///     method: grid                     # optional; grid is the only method
///     parameters:
///       labeled: {values: [0.01, 0.05, 0.1]}
///       student: {values: [cnn-s, mlp-64]}
///       seed: {values: [1, 2, 3]}
///       epochs: {value: 15}            # one value: the same for every point
///       baselines: true                # shorthand for {value: true}
///       loss: [kd, mse]                # shorthand for {values: [...]}
///
/// A parameter is a long option of `mimic train` without its dashes; whether its
/// values are good is for the caller to say (`SweepGrid` reads each as its option of 'mimic train').
public struct SweepFile: Sendable, Equatable {
    /// One swept option: its values as text, and the line it stands on.
    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let values: [String]
        public let line: Int

        public init(name: String, values: [String], line: Int) {
            self.name = name
            self.values = values
            self.line = line
        }
    }

    public let path: String
    public let name: String?
    public let parameters: [Parameter]

    public init(path: String, name: String?, parameters: [Parameter]) {
        self.path = path
        self.name = name
        self.parameters = parameters
    }

    /// Reads the file at `path`.
    public static func load(_ path: String) throws(SweepFileError) -> SweepFile {
        try parse(text(at: path), path: path)
    }

    /// The text of the sweep file at `path`: only a regular file, so that a named pipe
    /// is refused rather than waited on, and each failure named by its own cause.
    public static func text(at path: String) throws(SweepFileError) -> String {
        func refuse(_ problem: String) -> SweepFileError {
            SweepFileError("Sweep file \(path) \(problem); pass the path of a YAML sweep file (see 'mimic sweep --help').")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.load(path)
        } catch {
            if error.missing { throw refuse("does not exist") }
            if let kind = error.notARegularFile { throw refuse("is \(kind), not a file") }
            throw refuse("cannot be read (\(error.words))")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SweepFileError("Sweep file \(path) is not UTF-8 text; save it as UTF-8 (plain YAML is).")
        }
        return text
    }

    /// libyaml's limit on nesting (MAX_NESTING_LEVEL in Yams's copy of it).
    static let maxNesting = 1000

    /// Reads a sweep file's text; errors name `path` and the line.
    public static func parse(_ text: String, path: String) throws(SweepFileError) -> SweepFile {
        func fail(_ line: Int?, _ what: String) -> SweepFileError {
            SweepFileError("Sweep file \(path)" + (line.map { ", line \($0)" } ?? "") + ": \(what)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .parser(_, let problem, let mark, _) where problem.hasPrefix("Maximum nesting level"):
                // libyaml's words name its own function (yaml_set_max_nest_level), which no user calls.
                throw fail(mark.line, "it nests deeper than \(maxNesting) levels; a sweep file needs three "
                    + "(parameters:, an option, its values), so close the brackets or indentation that run on.")
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw fail(mark.line, "it is not valid YAML (\(problem)); fix the YAML there.")
            case .duplicatedKeysInMapping(let duplicates, let context):
                throw fail(context.mark.line, "\(duplicates.map { "`\($0)`" }.joined(separator: ", ")) is given twice in the mapping that starts here; give each key once.")
            default:
                throw fail(nil, "it is not valid YAML (\(firstLine(of: error))).")
            }
        } catch {
            throw fail(nil, "it is not valid YAML (\(firstLine(of: error))).")
        }
        guard let root, case .mapping(let top) = root else {
            throw fail(root?.mark?.line, "the file must be a mapping with a `parameters:` key, like `parameters: {seed: {values: [1, 2, 3]}}`.")
        }
        var name: String?
        var parameters: [Parameter]?
        for (key, value) in top {
            let keyText = key.scalar?.string ?? ""
            switch keyText {
            case "name", "description":
                guard let scalar = value.scalar else { throw fail(value.mark?.line, "`\(keyText)` must be text.") }
                if keyText == "name" { name = scalar.string }
            case "method":
                guard value.scalar?.string == "grid" else {
                    throw fail(value.mark?.line, "method `\(value.scalar?.string ?? "?")` is not one mimic runs; use `method: grid` (every combination of the values).")
                }
            case "parameters":
                parameters = try readParameters(value, fail: fail)
            default:
                throw fail(key.mark?.line, "`\(keyText)` is not a key of a sweep file; use name, description, method and parameters.")
            }
        }
        guard let parameters else { throw fail(nil, "it has no `parameters:`; give the options to sweep, e.g. `parameters: {seed: {values: [1, 2, 3]}}`.") }
        guard !parameters.isEmpty else { throw fail(root.mark?.line, "`parameters:` is empty; give at least one option to sweep.") }
        return SweepFile(path: path, name: name, parameters: parameters)
    }

    private static func firstLine(of error: any Error) -> String {
        String("\(error)".split(separator: "\n").first ?? "")
    }

    private static func readParameters(_ node: Node, fail: (Int?, String) -> SweepFileError) throws(SweepFileError) -> [Parameter] {
        guard case .mapping(let mapping) = node else {
            throw fail(node.mark?.line, "`parameters:` must map option names to values, e.g. `seed: {values: [1, 2, 3]}`.")
        }
        var parameters: [Parameter] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !name.isEmpty else {
                throw fail(key.mark?.line, "a parameter's name must be an option of 'mimic train', such as labeled or student.")
            }
            // Yams itself refuses a key given twice in one mapping.
            let line = key.mark?.line ?? 0
            let values = try readValues(of: name, value, line: line, fail: fail)
            guard !values.isEmpty else { throw fail(line, "parameter `\(name)` has no values; give at least one.") }
            guard Set(values).count == values.count else {
                throw fail(line, "parameter `\(name)` repeats a value, which would run the same point twice; give each value once.")
            }
            parameters.append(Parameter(name: name, values: values, line: line))
        }
        return parameters
    }

    /// `{values: [...]}`, `{value: x}`, `[...]` or a plain scalar.
    private static func readValues(of name: String, _ node: Node, line: Int,
                                   fail: (Int?, String) -> SweepFileError) throws(SweepFileError) -> [String] {
        func scalars(_ sequence: Node.Sequence) throws(SweepFileError) -> [String] {
            var values: [String] = []
            for item in sequence {
                guard let scalar = item.scalar else {
                    throw fail(item.mark?.line ?? line, "a value of `\(name)` must be a single number, word or spec, not a list or mapping.")
                }
                values.append(scalar.string)
            }
            return values
        }
        switch node {
        case .scalar(let scalar):
            return [scalar.string]
        case .sequence(let sequence):
            return try scalars(sequence)
        case .mapping(let mapping):
            guard mapping.count == 1, let (key, value) = mapping.first.map({ ($0.key, $0.value) }),
                  let keyText = key.scalar?.string, keyText == "values" || keyText == "value" else {
                throw fail(line, "parameter `\(name)` must be `{values: [...]}` or `{value: x}`.")
            }
            if keyText == "value" {
                guard let scalar = value.scalar else { throw fail(value.mark?.line ?? line, "`value` of `\(name)` must be a single value; use `values: [...]` for several.") }
                return [scalar.string]
            }
            guard case .sequence(let sequence) = value else {
                throw fail(value.mark?.line ?? line, "`values` of `\(name)` must be a list, e.g. `values: [1, 2, 3]`.")
            }
            return try scalars(sequence)
        case .alias:
            throw fail(line, "parameter `\(name)` uses a YAML alias; write its values out.")
        }
    }

    /// Every combination of the parameters' values, the first parameter varying
    /// slowest: each point as the `mimic train` options it stands for.
    public var points: [SweepPoint] {
        var points = [SweepPoint(values: [])]
        for parameter in parameters {
            points = points.flatMap { point in
                parameter.values.map { SweepPoint(values: point.values + [(parameter.name, $0)]) }
            }
        }
        return points
    }
}

/// One point of a sweep's grid: a value for each swept option.
public struct SweepPoint: Sendable, Equatable {
    public let values: [(name: String, value: String)]

    public init(values: [(name: String, value: String)]) { self.values = values }

    public static func == (a: SweepPoint, b: SweepPoint) -> Bool {
        a.values.map(\.name) == b.values.map(\.name) && a.values.map(\.value) == b.values.map(\.value)
    }

    /// "labeled=0.1 student=cnn-s seed=2".
    public var description: String { values.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
}

/// A sentence like every error of ours: `mimic: ` before it and exit 1, not the
/// argument parser's `Error:`.
public struct SweepFileError: ReportableError, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
