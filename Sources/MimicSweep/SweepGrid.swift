import MimicEngine
import MimicSession

/// A sweep's points as configurations, each value checked as 'mimic train' checks it
/// (`TrainOption`), with the file and line of a value it refuses.
public enum SweepGrid {
    /// The most points a grid may have. A point costs a few milliseconds to plan and
    /// list, and far more to train: a grid past this is a typo (a value list pasted
    /// twice), and expanding it would take hours of planning or all the memory.
    public static let maximumPoints = 10_000

    /// The sweep's trainings: its points, those that differ only in their students
    /// sharing one (`SweepPlan`). Refused when two trainings would write their
    /// checkpoints into one --save folder, each replacing the other's.
    public static func plan(of file: SweepFile) throws -> SweepPlan {
        let plan = SweepPlan(points: try configs(of: file))
        var saving: [String: Int] = [:]
        for training in plan.trainings {
            guard let folder = training.config.saveDirectory else { continue }
            saving[folder, default: 0] += 1
        }
        if let (folder, count) = saving.first(where: { $0.value > 1 }) {
            throw SweepError("The sweep's \(count) trainings would all save their checkpoints into \(folder) (save), each replacing the last; "
                + "leave save out (each training's run folder keeps its own), or give each training a folder of its own.")
        }
        return plan
    }

    public static func configs(of file: SweepFile) throws -> [ExperimentConfig] {
        try checkSize(of: file)
        for parameter in file.parameters {
            guard let option = TrainOption.named(parameter.name) else {
                throw SweepError("\(place(of: parameter, in: file)) is not an option of 'mimic train'; "
                    + "name one that 'mimic train --help' lists, such as labeled, student or seed.")
            }
            // The values as the run reads them: "01" and "1" are one seed.
            var read: [String: String] = [:]
            for value in parameter.values {
                var config = ExperimentConfig()
                do {
                    try option.apply([value], to: &config)
                    try config.validate()
                } catch {
                    throw SweepError("\(place(of: parameter, in: file)) \(value) is not a value 'mimic train' takes: \(error.description)")
                }
                let meaning = option.written(config)
                if let earlier = read[meaning] {
                    let name = file.path.isEmpty ? "--\(parameter.name)" : parameter.name
                    throw SweepError("\(place(of: parameter, in: file)) \(value) gives the same run as \(name) \(earlier); give each value once.")
                }
                read[meaning] = value
            }
        }
        return try file.points.map { point in
            do {
                return try TrainOption.config(from: point.values.map { (name: $0.name, values: [$0.value]) }).withAbsolutePaths()
            } catch {
                throw SweepError("The sweep's point \(point.description) is not a run 'mimic train' would start: \(error)")
            }
        }
    }

    /// Refuses a grid of more than `maximumPoints` points before expanding it.
    static func checkSize(of file: SweepFile) throws(SweepError) {
        var points = 1
        for parameter in file.parameters {
            let (product, overflow) = points.multipliedReportingOverflow(by: parameter.values.count)
            guard !overflow, product <= maximumPoints else {
                let counts = file.parameters.map { "\($0.values.count) \($0.name)" }.joined(separator: " x ")
                throw SweepError("The sweep's grid (\(counts)) has more than \(maximumPoints) points; "
                    + "sweep fewer values at once, or split it into several sweeps.")
            }
            points = product
        }
    }

    private static func place(of parameter: SweepFile.Parameter, in file: SweepFile) -> String {
        file.path.isEmpty ? "Option --\(parameter.name)" : "Sweep file \(file.path), line \(parameter.line): \(parameter.name)"
    }
}

extension SweepFile {
    /// The grid given as options of 'mimic train' with comma-separated values
    /// (`--labeled 0.01,0.05 --student cnn-s,mlp-64 --seeds 1,2`), in the order given;
    /// an option without a value (`--baselines`) is on.
    public static func fromOptions(_ words: [String]) throws(SweepError) -> SweepFile {
        var parameters: [SweepFile.Parameter] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            guard word.hasPrefix("--"), word.count > 2 else {
                throw SweepError("'\(word)' is not an option; give the grid as --option value,value,...")
            }
            var name = String(word.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else if index + 1 < words.count, !words[index + 1].hasPrefix("--") {
                value = words[index + 1]
                index += 1
            }
            if name == "seeds" { name = "seed" }
            let values = value.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? ["true"]
            guard !parameters.contains(where: { $0.name == name }) else {
                throw SweepError("--\(name) is given twice; give it once, with its values separated by commas.")
            }
            parameters.append(SweepFile.Parameter(name: name, values: values, line: 0))
            index += 1
        }
        return SweepFile(path: "", name: nil, parameters: parameters)
    }
}
