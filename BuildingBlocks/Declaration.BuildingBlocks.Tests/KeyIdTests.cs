using System.Security.Cryptography;
using System.Text;
using Declaration.BuildingBlocks.Security;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Tests;

/// <summary>Ciphertexts name their key; ciphertexts from before key ids stay readable; blind indexes carry their version.</summary>
public sealed class KeyIdTests
{
    private static readonly byte[] Key1 = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Key2 = Enumerable.Range(50, 32).Select(i => (byte)i).ToArray();
    private static readonly string IndexKey = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    private static PersonalDataProtector Protector(int current, params (int Id, byte[] Key)[] others) => new(Options.Create(new PersonalDataOptions
    {
        EncryptionKey = Convert.ToBase64String(current == 1 ? Key1 : Key2),
        EncryptionKeyId = current,
        EncryptionKeys = others.ToDictionary(o => o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), o => Convert.ToBase64String(o.Key)),
        BlindIndexKey = IndexKey,
    }));

    /// <summary>The format written before key ids: nonce, tag, data.</summary>
    private static byte[] Legacy(byte[] key, string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var result = new byte[28 + data.Length];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(result.AsSpan(0, 12), data, result.AsSpan(28), result.AsSpan(12, 16));
        return result;
    }

    [Test]
    public void Ciphertext_CarriesItsKeyId_AndOpensWhileThatKeyIsConfigured()
    {
        var one = Protector(1).Encrypt("330102199003072516");
        var rotated = Protector(2, (1, Key1));
        var two = rotated.Encrypt("330102199003072516");
        Assert.Multiple(() =>
        {
            Assert.That(one[..2], Is.EqualTo(new byte[] { 0xD1, 1 }));
            Assert.That(two[..2], Is.EqualTo(new byte[] { 0xD1, 2 }));
            Assert.That(rotated.Decrypt(one), Is.EqualTo("330102199003072516"), "an old key id stays readable");
            Assert.That(rotated.KeyIdOf(one), Is.EqualTo(1));
            Assert.That(rotated.KeyIdOf(two), Is.EqualTo(2));
            var error = Assert.Throws<CryptographicException>(() => Protector(1).Decrypt(two));
            Assert.That(error!.Message, Does.Contain("key id 2"));
        });
    }

    [Test]
    public void CiphertextsFromBeforeKeyIds_OpenWithTheLegacyKey_EvenWhenTheyStartLikeTheNewFormat()
    {
        var rotated = Protector(2, (1, Key1));
        var plain = Legacy(Key1, "张三");
        // A legacy ciphertext whose random nonce happens to begin with the marker and a configured key id (1 in 65,536).
        var data = Encoding.UTF8.GetBytes("李四");
        var lookalike = new byte[28 + data.Length];
        RandomNumberGenerator.Fill(lookalike.AsSpan(0, 12));
        lookalike[0] = 0xD1;
        lookalike[1] = 2;
        using (var aes = new AesGcm(Key1, 16)) aes.Encrypt(lookalike.AsSpan(0, 12), data, lookalike.AsSpan(28), lookalike.AsSpan(12, 16));
        Assert.Multiple(() =>
        {
            Assert.That(rotated.Decrypt(plain), Is.EqualTo("张三"));
            Assert.That(rotated.KeyIdOf(plain), Is.EqualTo(0));
            Assert.That(rotated.Decrypt(lookalike), Is.EqualTo("李四"), "the GCM tag decides, not the first bytes");
            Assert.That(rotated.KeyIdOf(lookalike), Is.EqualTo(0));
        });
    }

    [Test]
    public void TheKeyIdCannotBeAltered()
    {
        var rotated = Protector(2, (1, Key1));
        var one = rotated.Encrypt("330102199003072516");
        one[1] = 1; // claim key 1 for a key-2 ciphertext: the header is authenticated
        Assert.Throws<CryptographicException>(() => rotated.Decrypt(one));
    }

    [Test]
    public void SameIdWithAnotherKey_IsRefused()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Protector(2, (2, Key1)));
        Assert.That(ex!.Message, Does.Contain("same id"));
    }

    [Test]
    public void BlindIndex_Version1IsTheBareHmac_LaterVersionsCarryTheirNumber()
    {
        var v1 = Protector(1).BlindIndex("330102199003072516");
        var v2 = new PersonalDataProtector(Options.Create(new PersonalDataOptions
        {
            EncryptionKey = Convert.ToBase64String(Key1), BlindIndexKey = Convert.ToBase64String(Key2), BlindIndexVersion = 2,
        })).BlindIndex("330102199003072516");
        Assert.Multiple(() =>
        {
            Assert.That(v1, Is.EqualTo(HMACSHA256.HashData(Convert.FromBase64String(IndexKey), Encoding.UTF8.GetBytes("330102199003072516"))),
                "indexes written before versions are unchanged (no migration of any join key)");
            Assert.That(PersonalDataProtector.VersionOf(v1), Is.EqualTo(1));
            Assert.That(v2, Has.Length.EqualTo(33));
            Assert.That(PersonalDataProtector.VersionOf(v2), Is.EqualTo(2));
        });
    }
}
