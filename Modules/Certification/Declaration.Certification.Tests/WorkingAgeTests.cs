using Declaration.Certification.Domain;

namespace Declaration.Certification.Tests;

/// <summary>The statutory retirement month R of the 2025 reform (RULES.md §3) and the 16th-birthday month.</summary>
public sealed class WorkingAgeTests
{
    [TestCase(1965, 3, true, false, 2025, 4, TestName = "Man born 1965-03: k = 2, extension 1, R = 2025-04")]
    [TestCase(1964, 12, true, false, 2024, 12, TestName = "Man born before the reform: no extension")]
    [TestCase(1965, 1, true, false, 2025, 2, TestName = "Man born 1965-01: k = 0, extension 1")]
    [TestCase(1965, 5, true, false, 2025, 7, TestName = "Man born 1965-05: k = 4, extension 2")]
    [TestCase(1990, 1, true, false, 2053, 1, TestName = "Man born 1990: extension capped at 36")]
    [TestCase(1970, 5, false, false, 2025, 7, TestName = "Woman base 55 born 1970-05: k = 4, extension 2")]
    [TestCase(1969, 12, false, false, 2024, 12, TestName = "Woman base 55 born before 1970: no extension")]
    [TestCase(1975, 3, false, true, 2025, 5, TestName = "Woman base 50 born 1975-03: k = 2, extension 2")]
    [TestCase(1974, 12, false, true, 2024, 12, TestName = "Woman base 50 born before 1975: no extension")]
    [TestCase(1975, 4, false, true, 2025, 6, TestName = "Woman base 50 born 1975-04: k = 3, extension 2")]
    [TestCase(1990, 1, false, true, 2045, 1, TestName = "Woman base 50 born 1990: extension capped at 60")]
    [TestCase(1965, 3, true, true, 2025, 4, TestName = "Base 50 does not apply to men")]
    public void RetirementMonth(int year, int month, bool male, bool base50, int ry, int rm) =>
        Assert.That(WorkingAge.RetirementMonth(new DateOnly(year, month, 17), male, base50), Is.EqualTo(new DateOnly(ry, rm, 1)));

    [Test]
    public void RetirementMonth_FromIdNumber_UsesSexFromChar17()
    {
        var man = Declaration.TestSupport.LinkageData.IdNumber("19650301", 19);
        var woman = Declaration.TestSupport.LinkageData.IdNumber("19700510", 22);
        Assert.Multiple(() =>
        {
            Assert.That(WorkingAge.RetirementMonth(man, false), Is.EqualTo(new DateOnly(2025, 4, 1)));
            Assert.That(WorkingAge.RetirementMonth(woman, false), Is.EqualTo(new DateOnly(2025, 7, 1)));
        });
    }

    [Test]
    public void Age16Month_IsTheMonthOfThe16thBirthday() =>
        Assert.That(WorkingAge.Age16Month(new DateOnly(2009, 5, 31)), Is.EqualTo(new DateOnly(2025, 5, 1)));

    [TestCase("fixed", "2025-01-01", "2025-12-30", false)]
    [TestCase("fixed", "2025-01-01", "2025-12-31", true)]
    [TestCase("service_agreement", "2024-03-01", "2025-02-28", true)]
    [TestCase("open_ended", "2025-01-01", null, true)]
    [TestCase("establishment", "2025-01-01", null, true)]
    [TestCase("fixed", "2025-01-01", null, false)]
    public void ContractLongEnough(string type, string start, string? end, bool expected) =>
        Assert.That(WorkingAge.ContractLongEnough(type, DateOnly.Parse(start), end is null ? null : DateOnly.Parse(end)), Is.EqualTo(expected));
}
