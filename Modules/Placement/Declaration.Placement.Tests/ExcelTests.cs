using System.IO.Compression;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>
/// 批量申报 with the Excel template: the template is downloaded and filled through an Excel library as a clerk's spreadsheet program
/// would, then previewed and confirmed; broken, hostile or mistyped workbooks get clear Chinese errors and store nothing.
/// </summary>
public sealed class ExcelTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<long> CountAsync() => Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>("SELECT count(*) FROM placement.placement", null, CancellationToken.None));

    private static async Task<MemoryStream> TemplateAsync(Guid unitId)
    {
        var template = await App.SendAsync(TestUsers.Employer(unitId), new GetPlacementTemplate("xlsx"));
        var copy = new MemoryStream();
        await template.Content.CopyToAsync(copy);
        copy.Position = 0;
        return copy;
    }

    /// <summary>What a clerk types into the template: texts into text columns (shared strings, as Excel saves them), dates into date columns.</summary>
    private static void Fill(MemoryStream workbook, params object?[][] rows)
    {
        using (var doc = SpreadsheetDocument.Open(workbook, true))
        {
            var wb = doc.WorkbookPart!;
            var sheet = wb.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == "批量申报");
            var part = (WorksheetPart)wb.GetPartById(sheet.Id!);
            var data = part.Worksheet.GetFirstChild<SheetData>()!;
            var columns = part.Worksheet.GetFirstChild<Columns>()!.Elements<Column>().ToList();
            var strings = wb.SharedStringTablePart ?? wb.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable ??= new SharedStringTable();
            for (var r = 0; r < rows.Length; r++)
            {
                var row = new Row { RowIndex = (uint)(r + 2) };
                for (var c = 0; c < rows[r].Length; c++)
                {
                    if (rows[r][c] is not { } value) continue;
                    var cell = new Cell { CellReference = XlsxWriter.ColumnName(c) + (r + 2), StyleIndex = columns[c].Style };
                    switch (value)
                    {
                        case DateOnly d:
                            cell.CellValue = new CellValue((d.ToDateTime(TimeOnly.MinValue) - new DateTime(1899, 12, 30)).TotalDays);
                            break;
                        case double or int or decimal or long:
                            cell.CellValue = new CellValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                        case Formula f:
                            cell.CellFormula = new CellFormula(f.Text);
                            cell.CellValue = new CellValue(f.Cached);
                            break;
                        default:
                            strings.SharedStringTable.AppendChild(new SharedStringItem(new Text(value.ToString()!)));
                            cell.DataType = CellValues.SharedString;
                            cell.CellValue = new CellValue(strings.SharedStringTable.ChildElements.Count - 1);
                            break;
                    }
                    row.Append(cell);
                }
                data.Append(row);
            }
            strings.SharedStringTable.Save();
            part.Worksheet.Save();
        }
        workbook.Position = 0;
    }

    private sealed record Formula(string Text, double Cached);

    private static object?[] Person(string id, string certificate, string name, object? wage = null, string contract = "无固定期限劳动合同", string? retirement = null) =>
        [Seed.UnitA, 2025, id, name, "残疾人证", certificate, new DateOnly(2024, 1, 1), null, contract, new DateOnly(2024, 1, 1), null, wage ?? 5000, retirement, "13800000000"];

    [Test]
    public async Task TheTemplate_HasChineseHeaders_TextIdColumns_RealDates_AndDropDownLists()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        await using var template = await TemplateAsync(a.Id);
        using var doc = SpreadsheetDocument.Open(template, false);
        var wb = doc.WorkbookPart!;
        var sheet = wb.Workbook.Sheets!.Elements<Sheet>().First();
        var part = (WorksheetPart)wb.GetPartById(sheet.Id!);
        var header = part.Worksheet.Descendants<Row>().First().Elements<Cell>().Select(c => c.InnerText).ToList();
        var styles = wb.WorkbookStylesPart!.Stylesheet.CellFormats!.Elements<CellFormat>().ToList();
        var columns = part.Worksheet.GetFirstChild<Columns>()!.Elements<Column>().ToList();
        uint FormatOf(string h) => styles[(int)columns[header.IndexOf(h)].Style!.Value].NumberFormatId!.Value;
        var lists = part.Worksheet.Descendants<DataValidation>().Where(v => v.Type?.Value == DataValidationValues.List)
            .ToDictionary(v => header[XlsxIndex(v.SequenceOfReferences!.InnerText ?? "")], v => v.Formula1!.Text);
        Assert.Multiple(() =>
        {
            Assert.That(sheet.Name!.Value, Is.EqualTo("批量申报"));
            Assert.That(header, Is.EqualTo(new[] { "统一社会信用代码", "业务年度", "公民身份号码", "姓名", "证件类型", "证件号码", "就业开始日期", "就业结束日期",
                "合同类型", "合同开始日期", "合同结束日期", "月工资（元）", "退休年龄基准", "联系电话" }));
            Assert.That(FormatOf("公民身份号码"), Is.EqualTo(49u), "text");
            Assert.That(FormatOf("证件号码"), Is.EqualTo(49u), "text");
            Assert.That(FormatOf("就业开始日期"), Is.EqualTo(164u), "a date format");
            Assert.That(lists["证件类型"], Is.EqualTo("\"残疾人证,残疾军人证\""));
            Assert.That(lists["合同类型"], Does.Contain("无固定期限劳动合同").And.Contain("劳务（服务）协议"));
            Assert.That(lists["退休年龄基准"], Is.EqualTo("\"60周岁,55周岁,50周岁\""));
            Assert.That(part.Worksheet.Descendants<Row>().Count(), Is.EqualTo(1), "no example row to import by mistake");
        });
    }

    private static int XlsxIndex(string sqref) => sqref.TakeWhile(char.IsAsciiLetterUpper).Aggregate(0, (n, ch) => n * 26 + ch - 'A' + 1) - 1;

    [Test]
    public async Task TheTemplate_FilledWithEighteenDigitIds_IsPreviewedAndConfirmed()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        await using var workbook = await TemplateAsync(a.Id);
        await using var fixedUp = await TemplateAsync(a.Id);
        Fill(workbook, Person(Seed.Man, Seed.ManCertificate, "张三"), Person(Seed.Woman, Seed.WomanCertificate, "李四", 4800.5, "固定期限劳动合同", "50周岁"));
        var bytes = workbook.ToArray();

        // The fixed-term contract has no end: the preview says so on line 3, in the template's words.
        var preview = await App.SendAsync(user, new PreviewBulkDeclaration(a.Id, new MemoryStream(bytes), "批量申报.xlsx"));
        Assert.That(preview.Errors.Select(e => (e.Line, e.Column)), Is.EqualTo(new[] { (3L, "合同结束日期") }), string.Join("；", preview.Errors));

        Fill(fixedUp, Person(Seed.Man, Seed.ManCertificate, "张三"), Person(Seed.Woman, Seed.WomanCertificate, "李四", 4800.5, "无固定期限劳动合同", "50周岁"));
        var good = fixedUp.ToArray();
        preview = await App.SendAsync(user, new PreviewBulkDeclaration(a.Id, new MemoryStream(good), "批量申报.xlsx"));
        Assert.Multiple(() =>
        {
            Assert.That(preview.Errors, Is.Empty, string.Join("；", preview.Errors));
            Assert.That(preview.Rows.Select(r => (r.Line, r.MaskedIdNumber, r.ContractType)),
                Is.EqualTo(new[] { (2L, "330102********2516", "open_ended"), (3L, "330106********0027", "open_ended") }));
        });
        var result = await App.SendAsync(user, new ConfirmBulkDeclaration(a.Id, new MemoryStream(good), "批量申报.xlsx"));
        var stored = await Seed.DbAsync(App, db => db.QueryAsync<(string Masked, decimal Wage, bool Base50, DateOnly Start, string State)>(
            "SELECT id_number_masked, monthly_wage, retirement_base_50, employment_start, state FROM placement.placement ORDER BY id_number_masked", null, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(result.Inserted, Is.EqualTo(2));
            Assert.That(stored, Is.EqualTo(new[]
            {
                ("330102********2516", 5000m, false, new DateOnly(2024, 1, 1), "AwaitingReview"),
                ("330106********0027", 4800.5m, true, new DateOnly(2024, 1, 1), "AwaitingReview"),
            }));
        });
    }

    [Test]
    public async Task IdsTypedIntoANumberColumn_AreExplained_NotReportedAsChecksumErrors()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        await using var workbook = await TemplateAsync(a.Id);
        var row = Person(Seed.Man, Seed.ManCertificate, "张三");
        row[2] = 330102199003072516d;   // what Excel keeps of an ID in a number-formatted cell: 3.30102199003073E+17
        Fill(workbook, row);
        var preview = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, workbook, "批量申报.xlsx"));
        var csv = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, Seed.Csv(
            "credit_code,business_year,id_number,name,certificate_number,employment_start,contract_type,contract_start,monthly_wage",
            $"{Seed.UnitA},2025,3.30102E+17,张三,{Seed.ManCertificate},2024-01-01,open_ended,2024-01-01,5000",
            $"{Seed.UnitA},2025,330102199003072000,李四,{Seed.ManCertificate},2024-01-01,open_ended,2024-01-01,5000"), "a.csv"));
        Assert.Multiple(async () =>
        {
            Assert.That(preview.Errors.Single().Column, Is.EqualTo("公民身份号码"));
            Assert.That(preview.Errors.Single().Reason, Does.Contain("被Excel当作数字保存").And.Contain("3.30102E+17").And.Contain("文本"));
            Assert.That(csv.Errors.First(e => e.Line == 2).Reason, Does.Contain("被Excel当作数字保存"));
            Assert.That(csv.Errors.Where(e => e.Line == 2).Select(e => e.Column), Is.EqualTo(new[] { "id_number" }), "no checksum error on top");
            Assert.That(csv.Errors.Single(e => e.Line == 3 && e.Column == "id_number").Reason, Does.Contain("丢失了末几位"));
            Assert.That(await CountAsync(), Is.Zero);
        });
    }

    [Test]
    public async Task FormulaCells_AreRefused_WithTheirLine()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        await using var workbook = await TemplateAsync(a.Id);
        var row = Person(Seed.Man, Seed.ManCertificate, "张三", new Formula("2500*2", 5000));
        Fill(workbook, row);
        var bytes = workbook.ToArray();
        var preview = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, new MemoryStream(bytes), "批量申报.xlsx"));
        Assert.Multiple(async () =>
        {
            Assert.That(preview.Errors.Select(e => (e.Line, e.Column)), Is.EqualTo(new[] { (2L, "月工资（元）") }), string.Join("；", preview.Errors));
            Assert.That(preview.Errors.Single().Reason, Does.Contain("公式"));
            Assert.That(preview.Valid, Is.False);
        });
        await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.Employer(a.Id), new ConfirmBulkDeclaration(a.Id, new MemoryStream(bytes), "批量申报.xlsx")));
        Assert.That(await CountAsync(), Is.Zero);
    }

    [Test]
    public async Task AWorkbookWithoutTheTemplatesSheet_IsExplained()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var workbook = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(workbook, SpreadsheetDocumentType.Workbook))
        {
            var wb = doc.AddWorkbookPart();
            wb.Workbook = new Workbook();
            var ws = wb.AddNewPart<WorksheetPart>();
            ws.Worksheet = new Worksheet(new SheetData(
                new Row(new Cell { CellReference = "A1", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("部门")) },
                        new Cell { CellReference = "B1", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("人数")) }) { RowIndex = 1 },
                new Row(new Cell { CellReference = "A2", DataType = CellValues.InlineString, InlineString = new InlineString(new Text("财务部")) }) { RowIndex = 2 }));
            wb.Workbook.AppendChild(new Sheets(new Sheet { Id = wb.GetIdOfPart(ws), SheetId = 1, Name = "汇总" }));
        }
        var preview = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, new MemoryStream(workbook.ToArray()), "人员.xlsx"));
        Assert.Multiple(async () =>
        {
            Assert.That(preview.Valid, Is.False);
            Assert.That(preview.Errors.Single().Reason, Does.Contain("工作表“汇总”").And.Contain("不是导入文件的表头").And.Contain("公民身份号码"));
            Assert.That(await CountAsync(), Is.Zero);
        });
        await Assert.ThrowsAsync<ImportRejectedException>(() =>
            App.SendAsync(TestUsers.Employer(a.Id), new ConfirmBulkDeclaration(a.Id, new MemoryStream(workbook.ToArray()), "人员.xlsx")));
    }

    [Test]
    public async Task AZipBomb_IsRefusedBeforeItIsUnpacked()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        // A 201 MB worksheet of blanks packed into a few hundred KB.
        var bomb = new MemoryStream();
        using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var s = zip.CreateEntry("[Content_Types].xml").Open()) s.Write("<Types/>"u8);
            await using (var s = zip.CreateEntry("xl/_rels/workbook.xml.rels").Open())
                s.Write("""<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>"""u8);
            await using (var s = zip.CreateEntry("xl/workbook.xml").Open())
                s.Write("""<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="批量申报" sheetId="1" r:id="rId1"/></sheets></workbook>"""u8);
            await using (var s = zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.SmallestSize).Open())
            {
                s.Write("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"u8);
                var blanks = new byte[1 << 20];
                Array.Fill(blanks, (byte)' ');
                for (var i = 0; i < 201; i++) s.Write(blanks);
                s.Write("</sheetData></worksheet>"u8);
            }
        }
        Assert.That(bomb.Length, Is.LessThan(2_000_000));
        var before = GC.GetTotalAllocatedBytes(true);
        var preview = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, new MemoryStream(bomb.ToArray()), "bomb.xlsx"));
        var allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.Multiple(async () =>
        {
            Assert.That(preview.Valid, Is.False);
            Assert.That(preview.Errors.Single().Reason, Does.Contain("解压后超过").And.Contain("未导入任何数据"));
            Assert.That(allocated, Is.LessThan(50L * 1024 * 1024), "the workbook was not unpacked into memory");
            Assert.That(await CountAsync(), Is.Zero);
        });
    }

    [Test]
    public async Task AnOversizeFile_IsRefused()
    {
        var (a, _) = await Seed.UnitsAsync(App, linkage: false);
        var big = new MemoryStream(new byte[21 * 1024 * 1024]);
        var preview = await App.SendAsync(TestUsers.Employer(a.Id), new PreviewBulkDeclaration(a.Id, big, "大文件.xlsx"));
        Assert.Multiple(async () =>
        {
            Assert.That(preview.Errors.Single().Reason, Does.Contain("文件超过20 MB"));
            Assert.That(await CountAsync(), Is.Zero);
        });
        await Assert.ThrowsAsync<InputException>(() =>
            App.SendAsync(TestUsers.Employer(a.Id), new ConfirmBulkDeclaration(a.Id, new MemoryStream(new byte[21 * 1024 * 1024]), "大文件.csv")));
    }

    [Test]
    public async Task TheUnitsList_AndTheReviewQueue_DownloadAsWorkbooks_ForThoseAllowedOnly_AndAreAudited()
    {
        var (a, b) = await Seed.UnitsAsync(App);
        await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(
            "credit_code,business_year,id_number,name,certificate_number,employment_start,contract_type,contract_start,monthly_wage",
            $"{Seed.UnitA},2025,{Seed.Man},张三,{Seed.ManCertificate},2024-01-01,open_ended,2024-01-01,5000")));
        var list = await App.SendAsync(TestUsers.Employer(a.Id), new DownloadPlacementList(a.Id, Seed.Year));
        var queue = await App.SendAsync(Seed.ReviewerHangzhou, new DownloadReviewQueue(ReviewQueueKind.All, Seed.Year));
        var ningbo = await App.SendAsync(Seed.ReviewerNingbo, new DownloadReviewQueue(ReviewQueueKind.All, Seed.Year));
        List<List<string>> Rows(Stream content)
        {
            var copy = new MemoryStream();
            content.CopyTo(copy);
            using var doc = SpreadsheetDocument.Open(copy, false);
            var part = (WorksheetPart)doc.WorkbookPart!.GetPartById(doc.WorkbookPart.Workbook.Sheets!.Elements<Sheet>().First().Id!);
            return part.Worksheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c => c.InnerText).ToList()).ToList();
        }
        var listRows = Rows(list.Content);
        var queueRows = Rows(queue.Content);
        var audited = await Seed.DbAsync(App, db => db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM platform.audit_log WHERE entity_type = 'Download'", null, CancellationToken.None));
        Assert.Multiple(async () =>
        {
            Assert.That(list.FileName, Does.EndWith(".xlsx"));
            Assert.That(listRows[0][0], Is.EqualTo("公民身份号码"));
            Assert.That(listRows[1][0], Is.EqualTo("330102********2516"));
            Assert.That(listRows[1], Does.Contain("待审核").And.Contain("12"), "state and the automatic result");
            Assert.That(queueRows.Skip(1).Select(r => r[0]), Is.EqualTo(new[] { Seed.UnitA }));
            Assert.That(Rows(ningbo.Content), Has.Count.EqualTo(1), "a reviewer sees only their jurisdiction");
            Assert.That(audited, Is.EqualTo(3));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new DownloadPlacementList(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new DownloadReviewQueue(ReviewQueueKind.All, Seed.Year)));
        });
    }
}
