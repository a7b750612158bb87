using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Declaration.BuildingBlocks.Hosting;

/// <summary>Keeps the data-protection key ring in PostgreSQL so any host can read any host's cookies (stateless hosts).</summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("SELECT xml FROM platform.data_protection_key ORDER BY created_at");
        using var reader = command.ExecuteReader();
        var result = new List<XElement>();
        while (reader.Read()) result.Add(XElement.Parse(reader.GetString(0)));
        return result;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand("INSERT INTO platform.data_protection_key (friendly_name, xml) VALUES ($1, $2) ON CONFLICT (friendly_name) DO NOTHING");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
