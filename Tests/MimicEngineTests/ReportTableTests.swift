import Testing
import MimicEngine
import MimicTestSupport

@Suite struct ReportTableTests {
    static func report() throws -> ExperimentReport {
        var config = PipelineTests.learningConfig()
        config.epochs = 2
        config.studentEpochs = 1
        config.students = ["fc16"]
        config.baselines = true
        return try Experiment(config: config, dataSet: SyntheticData.make()).run { _ in }
    }

    @Test func tableHasOneRowPerModelAndTheDeltas() throws {
        let report = try Self.report()
        let table = ReportTable(report)
        #expect(table.rows.count == 3)
        #expect(table.rows.allSatisfy { $0.count == ReportTable.columns.count })
        let student = table.rows[1]
        #expect(student[0] == "student 1")
        #expect(student[8] != "-" && student[9] != "-", "a student has deltas to mentor and baseline")
        #expect(table.rows[0][8] == "-", "the mentor has no delta to itself")
        let lines = table.text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(table.markdown.split(separator: "\n")[1].hasPrefix("| --- | --- | ---: |"))
    }

    @Test func csvHasTheHeaderAndRawNumbers() throws {
        let report = try Self.report()
        let lines = ReportTable(report).csv.split(separator: "\n")
        #expect(lines.first.map(String.init) == ReportTable.csvHeader)
        #expect(lines.count == 4)
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(fields.count == ReportTable.csvHeader.split(separator: ",").count)
        #expect(Double(fields[6]) != nil, "test accuracy is a plain number")
    }
}
