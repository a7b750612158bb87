using Declaration.BuildingBlocks.Domain;

namespace Declaration.BuildingBlocks.Tests;

public sealed class IdentifierTests
{
    private static readonly DateOnly Today = new(2026, 11, 27);

    [TestCase("11010519491231002X")]
    [TestCase("440304199001011233")]
    [TestCase("330102199003072516")]
    [TestCase("11010519491231002x")]
    public void IdNumber_RulesVectors_AreValid(string id) => Assert.That(Identifiers.CheckIdNumber(id, Today), Is.Null);

    [TestCase("330102199003072517", "校验码")]
    [TestCase("33010219900307251", "18位")]
    [TestCase("3301021990030725166", "18位")]
    [TestCase("33010219900230251X", "出生日期")]
    [TestCase("330102209903072516", "出生日期")]
    [TestCase("3301021990030725A6", "前17位")]
    [TestCase("33010219900307251Y", "第18位")]
    public void IdNumber_WrongOnes_SayWhichPartIsWrong(string id, string part) =>
        Assert.That(Identifiers.CheckIdNumber(id, Today), Does.Contain(part));

    [Test]
    public void IdNumber_RetiredRegionPrefix_IsNotRejected()
    {
        // 110105 is current; a retired prefix such as 330103 (old 下城区) keeps its validity when the checksum is right.
        var body = "33010319900307251";
        var weights = new[] { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
        var check = "10X98765432"[body.Select((c, i) => (c - '0') * weights[i]).Sum() % 11];
        Assert.That(Identifiers.CheckIdNumber(body + check, Today), Is.Null);
    }

    [Test]
    public void IdNumber_SexAndBirth_ComeFromTheNumber()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Identifiers.IsMale("330102199003072516"), Is.True);
            Assert.That(Identifiers.IsMale("11010519491231002X"), Is.False);
            Assert.That(Identifiers.BirthDate("330102199003072516"), Is.EqualTo(new DateOnly(1990, 3, 7)));
        });
    }

    [Test]
    public void CertificateNumber_RulesVector_IsValid() =>
        Assert.That(Identifiers.CheckCertificateNumber("33010219900307251642", "330102199003072516", veteran: false), Is.Null);

    [TestCase("33010219900307251842", "一致")]
    [TestCase("33010219900307251682", "类别")]
    [TestCase("33010219900307251645", "等级")]
    [TestCase("3301021990030725164", "20位")]
    public void CertificateNumber_WrongOnes_AreRejected(string number, string part) =>
        Assert.That(Identifiers.CheckCertificateNumber(number, "330102199003072516", veteran: false), Does.Contain(part));

    [Test]
    public void CertificateNumber_KeepsTheXCheckChar() =>
        Assert.That(Identifiers.CheckCertificateNumber("11010519491231002X41", "11010519491231002x", veteran: false), Is.Null);

    [TestCase("JUN2019AB", true)]
    [TestCase("AB12", false)]
    [TestCase("军-123456", false)]
    public void VeteranCertificate_Is6To32LettersOrDigits(string number, bool valid) =>
        Assert.That(Identifiers.CheckCertificateNumber(number, "330102199003072516", veteran: true), valid ? Is.Null : Is.Not.Null);

    [Test]
    public void CreditCode_RulesVector_IsValid() =>
        Assert.That(Identifiers.CheckCreditCode("91350100M000100Y43").Result, Is.EqualTo(Identifiers.CreditCodeCheck.Valid));

    [Test]
    public void CreditCode_ChecksumOnly_Warns() =>
        Assert.That(Identifiers.CheckCreditCode("91350100M000100Y44").Result, Is.EqualTo(Identifiers.CreditCodeCheck.ChecksumMismatch));

    [TestCase("91350100M000100Y4")]
    [TestCase("91350100M000100YI3")]
    [TestCase("91350100MOOO100Y43")]
    [TestCase("91ABCDEFM000100Y43")]
    public void CreditCode_WrongLengthOrCharset_IsRejected(string code) =>
        Assert.That(Identifiers.CheckCreditCode(code).Result, Is.EqualTo(Identifiers.CreditCodeCheck.Invalid));

    [TestCase("330106", true)]
    [TestCase("33010", false)]
    [TestCase("33010A", false)]
    public void RegionCode_IsSixDigits(string code, bool valid) => Assert.That(Identifiers.CheckRegionCode(code) is null, Is.EqualTo(valid));

    [TestCase("13800571234", true)]
    [TestCase("23800571234", false)]
    [TestCase("1380057123", false)]
    public void Mobile_Is11DigitsStartingWith1(string mobile, bool valid) => Assert.That(Identifiers.CheckMobile(mobile) is null, Is.EqualTo(valid));

    [Test]
    public void Landline_IsAllowedForLegalPhoneOnly()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Identifiers.CheckLegalPhone("0571-87654321"), Is.Null);
            Assert.That(Identifiers.CheckMobile("0571-87654321"), Is.Not.Null);
        });
    }

    [Test]
    public void Masking_ShowsOnlyTheEnds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Masking.IdNumber("330102199003072516"), Is.EqualTo("330102********2516"));
            Assert.That(Masking.Name("张三丰"), Is.EqualTo("张**"));
        });
    }
}
