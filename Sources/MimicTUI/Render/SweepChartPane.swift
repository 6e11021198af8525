import Foundation
import MimicEngine
import MimicSweep

/// The sweep's figure: the grid's metric against the dimension across (by default
/// test accuracy against the labeled fraction, on a log axis), one line per row (the
/// mentor, each student solid, each baseline dotted in its student's colour), with a
/// bar at each point spanning mean ± sd over the seeds.
enum SweepChartPane {
    /// The series colour of a row: its model's when the rows are models.
    static func style(_ board: SweepBoard, row: Int) -> CellStyle {
        guard board.rowDimension == SweepResults.modelDimension,
              let model = (0..<board.columnValues.count).lazy.compactMap({ board.cell(row: row, column: $0).model }).first else {
            return CellStyle.studentStyles[row % CellStyle.studentStyles.count]
        }
        switch model.role {
        case .mentor: return .mentor
        case .student, .baseline: return CellStyle.studentStyles[(model.index - 1) % CellStyle.studentStyles.count]
        }
    }

    static func isDotted(_ board: SweepBoard, row: Int) -> Bool {
        board.rowDimension == SweepResults.modelDimension && board.rowValues[row].hasPrefix("baseline")
    }

    /// The x-axis: the values across, on a log scale when they span ten times or more
    /// (labeled fractions from 1% to 20%); nil when they are not all positive numbers.
    static func axis(_ board: SweepBoard) -> (positions: [Double], log: Bool)? {
        guard board.hasColumns, let values = board.results.numericValues(of: board.columnDimension) else { return nil }
        let log = (values.max()! / values.min()!) >= 10
        return (values.map { log ? log10($0) : $0 }, log)
    }

    static func draw(_ board: SweepBoard, rect: Rect, glyphs: GlyphSet, into grid: inout CellGrid) {
        let across = board.hasColumns ? board.dimensions[board.columnDimension].name : "nothing"
        guard let axis = axis(board) else {
            let inside = BoxFrame.draw(rect, title: "Chart", focused: false, glyphs: glyphs, into: &grid)
            CurvesPane.drawMessage("The chart draws the metric against numbers across (a labeled fraction, a rate); "
                                   + "\(across) is not one. x puts another dimension across.",
                                   in: inside, glyphs: glyphs, into: &grid)
            return
        }
        let title = "\(SweepGridPane.metricTitle(board.metric, glyphs: glyphs)) vs \(across)\(axis.log ? " (log)" : "")"
            + " \(glyphs.middleDot) bars: \(glyphs.plusMinus)sd \(glyphs.middleDot) dotted: baselines"
        let inside = BoxFrame.draw(rect, title: glyphs.displayable(title), focused: false, glyphs: glyphs, into: &grid)
        guard inside.height >= 3 else { return }
        var chart = LineChart(title: "")
        chart.xTicks = zip(axis.positions, board.columnValues).map { LineChart.Tick(x: $0, label: label($1, asPercent: across == "labeled")) }
        let scale: Double = switch board.metric {
        case .testAccuracy, .deltaBaseline, .deltaMentor: 100
        case .testLoss, .trainingTime: 1
        }
        if board.metric == .deltaBaseline || board.metric == .deltaMentor {
            chart.references.append(.init(y: 0, style: .reference))
        }
        // The selected row last, so it is drawn over the others.
        let rows = board.rowValues.indices.sorted { a, _ in a != board.row }
        for row in rows {
            let style = style(board, row: row)
            var points: [(x: Double, y: Double)] = []
            for (column, x) in axis.positions.enumerated() {
                let statistic = board.cell(row: row, column: column).statistic
                guard let mean = statistic.mean else { continue }
                points.append((x, mean * scale))
                if let sd = statistic.standardDeviation, sd > 0 {
                    chart.spreads.append(.init(x: x, low: (mean - sd) * scale, high: (mean + sd) * scale, style: style))
                }
            }
            chart.series.append(.init(points: points, style: style, dotted: isDotted(board, row: row)))
        }
        chart.draw(into: &grid, rect: Rect(x: inside.x, y: inside.y, width: inside.width - 1, height: inside.height), glyphs: glyphs)
    }

    /// "1%" for a labeled fraction of 0.01; other values as given.
    static func label(_ value: String, asPercent: Bool) -> String {
        guard asPercent, let number = Double(value), number <= 1 else { return value }
        let percent = number * 100
        return (percent == percent.rounded() ? String(format: "%.0f", percent) : Formatting.plain(percent)) + "%"
    }
}
