using System.Globalization;
using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Domain;

namespace Declaration.BuildingBlocks.Tests;

/// <summary>Masking by text element, the text every message may carry, the audit log's scrubbing, the unset caller.</summary>
public sealed class SecurityPrimitiveTests
{
    [Test]
    public void Masking_ANameStartingOutsideTheBmp_KeepsTheWholeCharacter()
    {
        var masked = Masking.Name("𠮷野家");
        Assert.Multiple(() =>
        {
            Assert.That(masked, Is.EqualTo("𠮷**"));
            Assert.That(char.IsHighSurrogate(masked[0]) && char.IsLowSurrogate(masked[1]), Is.True, "the surrogate pair stays whole");
            Assert.That(Masking.Name("𠮷"), Is.EqualTo("𠮷*"));
            Assert.That(Masking.Name("王𠮷"), Is.EqualTo("王*"), "a supplementary character later in the name is one star, not two");
            Assert.That(new StringInfo(Masking.Name("张𠮷𠮷三")).LengthInTextElements, Is.EqualTo(4));
            Assert.That(Masking.Name("张三丰"), Is.EqualTo("张**"));
        });
    }

    [Test]
    public void Masking_Phones_KeepTheEndsOnly()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Masking.Phone("13800571234"), Is.EqualTo("138****1234"));
            Assert.That(Masking.Phone("0571-87001234"), Is.EqualTo("057******1234"));
            Assert.That(Masking.Phone("138****1234"), Is.EqualTo("138****1234"), "an already masked value stays as it is");
            Assert.That(Masking.Phone("123"), Is.EqualTo("****"));
        });
    }

    [TestCase("正常的中文文本\n第二行\t制表")]
    [TestCase("𠮷野家")]
    [TestCase("<script>alert(1)</script>' OR 1=1 --")]
    public void TextInput_AcceptsOrdinaryText(string text) => Assert.That(TextInput.Check(text), Is.Null);

    // Code points, not literals: a lone surrogate cannot be stored in an attribute.
    [TestCase(0x0000, "控制字符")]
    [TestCase(0x0007, "控制字符")]
    [TestCase(0x009b, "控制字符")]
    [TestCase(0x202e, "双向文本")]
    [TestCase(0x2066, "双向文本")]
    [TestCase(0xd842, "代理字符")]
    [TestCase(0xdfb7, "代理字符")]
    public void TextInput_RefusesControlBidiAndBrokenText(int codeUnit, string reason) =>
        Assert.That(TextInput.Check("invoice" + (char)codeUnit + "gpj.exe"), Does.Contain(reason));

    [Test]
    public void TextInput_RefusesTenMegabytes_AndFindsTheFieldInNestedRecords()
    {
        var huge = new string('字', 10 * 1024 * 1024);
        var errors = TextInput.CheckObject(new Outer("ok", new Inner(huge), ["fine", "bad\u202e"]));
        Assert.Multiple(() =>
        {
            Assert.That(TextInput.Check(huge), Does.Contain("内容过长"));
            Assert.That(errors.Keys, Is.EquivalentTo(new[] { "Nested.Text", "Items[1]" }));
        });
    }

    private sealed record Inner(string Text);

    private sealed record Outer(string Name, Inner Nested, IReadOnlyList<string> Items);

    [Test]
    public void AuditJson_MasksPhonesMobilesAndIdNumbers_WhateverTheCallerPassed()
    {
        var json = AuditLog.AuditJson(new
        {
            Name = "甲公司", ContactMobile = "13800571234", LegalPhone = "0571-87001234", Phone = "13912345678", IdNumber = "330102199003072516",
            Nested = new { phone = "13700001111" }, TaxAuthorityCode = "13301060000",
        })!;
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json, Does.Not.Contain("13800571234").And.Not.Contain("87001234").And.Not.Contain("13912345678").And.Not.Contain("199003072516"));
            Assert.That(root.GetProperty("contactMobile").GetString(), Is.EqualTo("138****1234"));
            Assert.That(root.GetProperty("idNumber").GetString(), Is.EqualTo("330102********2516"));
            Assert.That(root.GetProperty("nested").GetProperty("phone").GetString(), Is.EqualTo("137****1111"));
            Assert.That(root.GetProperty("taxAuthorityCode").GetString(), Is.EqualTo("13301060000"), "codes that only look like numbers are kept");
            Assert.That(root.GetProperty("name").GetString(), Is.EqualTo("甲公司"));
        });
    }

    [Test]
    public void AnUnsetCaller_HasNoRights()
    {
        var holder = new CurrentUserHolder();
        Assert.Multiple(() =>
        {
            Assert.That(holder.User, Is.SameAs(UnsetUser.Instance));
            Assert.That(holder.User.IsStaff(), Is.False);
            Assert.That(holder.User.Covers("330106"), Is.False);
            Assert.That(holder.User.UnitId, Is.Null);
            Assert.That(new AnonymousUser().IsStaff(), Is.False);
        });
    }
}
