using System.Globalization;
using System.Text;
using System.Text.Json;
using Declaration.BuildingBlocks.Errors;
using Declaration.LevyCalculator.Contracts;
using Mediator;

namespace Declaration.Host.Api;

/// <summary><c>POST /api/levy</c>: the calculator with the same fields as the CLI's <c>levy</c> verb (FORMATS.md).</summary>
internal static class LevyApi
{
    /// <summary>The request body; <see cref="PersonMonths"/> counts plain months and <see cref="SeverePersonMonths"/> severe months.</summary>
    public sealed record LevyRequest(int? Year, string? Region, string? UnitType, decimal? Headcount, decimal? AverageAnnualWage,
        decimal? PersonMonths, decimal? SeverePersonMonths, decimal? LocalAverageWage, decimal? QuotaRatio);

    /// <summary>The request's field names for the calculator's (validation errors are reported under the API's names).</summary>
    public static readonly IReadOnlyDictionary<string, string> FieldNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(CalculateLevy.BusinessYear)] = "year", [nameof(CalculateLevy.RegionCode)] = "region", [nameof(CalculateLevy.UnitType)] = "unitType",
        [nameof(CalculateLevy.Headcount)] = "headcount", [nameof(CalculateLevy.AverageAnnualWage)] = "averageAnnualWage",
        [nameof(CalculateLevy.PlainPersonMonths)] = "personMonths", [nameof(CalculateLevy.SeverePersonMonths)] = "severePersonMonths",
        [nameof(CalculateLevy.LocalAverageWage)] = "localAverageWage", [nameof(CalculateLevy.QuotaRatio)] = "quotaRatio",
    };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/levy", async (LevyRequest body, ISender sender, CancellationToken ct) =>
        {
            var missing = new Dictionary<string, string[]>(StringComparer.Ordinal);
            void Require(object? value, string field, string label)
            {
                if (value is null || value is string s && string.IsNullOrWhiteSpace(s)) missing[field] = [$"请填写{label}"];
            }
            Require(body.Year, "year", "业务年度");
            Require(body.Region, "region", "地区");
            Require(body.UnitType, "unitType", "单位类型");
            Require(body.Headcount, "headcount", "单位员工数");
            Require(body.AverageAnnualWage, "averageAnnualWage", "年平均工资");
            Require(body.PersonMonths, "personMonths", "安置人月数");
            if (missing.Count > 0) throw new InputException(missing);
            var request = new CalculateLevy(body.Year!.Value, body.Region!, body.UnitType!, body.Headcount!.Value, body.AverageAnnualWage!.Value,
                body.PersonMonths!.Value, body.SeverePersonMonths ?? 0, body.LocalAverageWage, body.QuotaRatio);
            LevyResultDto result;
            try
            {
                result = await sender.Send(request, ct);
            }
            catch (InputException ex)
            {
                throw new InputException(ex.Errors.ToDictionary(e => FieldNames.GetValueOrDefault(e.Key, e.Key), e => e.Value, StringComparer.Ordinal));
            }
            return Results.Text(LevyJson.Write(result), "application/json; charset=utf-8", Encoding.UTF8);
        });
    }
}

/// <summary>
/// The JSON of a levy result (FORMATS.md): exactly the fourteen fields, numbers as JSON numbers; money (wageBase, baseAmount,
/// levy, levyWithoutPlacement, saving) with two decimals, rounded half-up; the other numbers exact, without trailing zeros.
/// </summary>
internal static class LevyJson
{
    public static string Write(LevyResultDto r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteBoolean("exempt", r.Exempt);
            w.WritePropertyName("quota"); w.WriteRawValue(Exact(r.Quota));
            w.WritePropertyName("actual"); w.WriteRawValue(Exact(r.Actual));
            w.WritePropertyName("gap"); w.WriteRawValue(Exact(r.Gap));
            w.WritePropertyName("wageBase"); w.WriteRawValue(Money(r.WageBase));
            w.WriteBoolean("capApplied", r.CapApplied);
            w.WritePropertyName("baseAmount"); w.WriteRawValue(Money(r.BaseAmount));
            w.WritePropertyName("ratio"); w.WriteRawValue(Exact(r.Ratio));
            w.WritePropertyName("payableShare"); w.WriteRawValue(Exact(r.PayableShare));
            w.WritePropertyName("levy"); w.WriteRawValue(Money(r.Levy));
            w.WritePropertyName("levyWithoutPlacement"); w.WriteRawValue(Money(r.LevyWithoutPlacement));
            w.WritePropertyName("saving"); w.WriteRawValue(Money(r.Saving));
            if (r.ExtraPlacementsForHalfTier is { } half) w.WriteNumber("extraPlacementsForHalfTier", half); else w.WriteNull("extraPlacementsForHalfTier");
            if (r.ExtraPlacementsForZero is { } zero) w.WriteNumber("extraPlacementsForZero", zero); else w.WriteNull("extraPlacementsForZero");
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string Money(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Exact(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}
