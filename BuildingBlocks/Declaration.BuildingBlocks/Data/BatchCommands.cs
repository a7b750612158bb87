using System.Collections.Concurrent;
using System.Reflection;
using Npgsql;
using NpgsqlTypes;

namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// A batch command (for <see cref="IDbSession.DeferAsync"/> or an explicit batch) from SQL with <c>@name</c> parameters and the public
/// properties of parameter objects, as Dapper takes them: a null is sent typed by its property's type.
/// </summary>
public static class BatchCommands
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private static readonly Dictionary<Type, NpgsqlDbType> NullTypes = new()
    {
        [typeof(string)] = NpgsqlDbType.Text, [typeof(int)] = NpgsqlDbType.Integer, [typeof(long)] = NpgsqlDbType.Bigint,
        [typeof(short)] = NpgsqlDbType.Smallint, [typeof(decimal)] = NpgsqlDbType.Numeric, [typeof(bool)] = NpgsqlDbType.Boolean,
        [typeof(Guid)] = NpgsqlDbType.Uuid, [typeof(DateOnly)] = NpgsqlDbType.Date, [typeof(DateTimeOffset)] = NpgsqlDbType.TimestampTz,
        [typeof(byte[])] = NpgsqlDbType.Bytea,
    };

    public static NpgsqlBatchCommand Create(string sql, params object[] parameterObjects)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var source in parameterObjects)
            foreach (var property in Properties.GetOrAdd(source.GetType(), t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
            {
                var value = property.GetValue(source);
                if (value is not null) command.Parameters.Add(new NpgsqlParameter(property.Name, value));
                else
                {
                    var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                    if (!NullTypes.TryGetValue(type, out var dbType)) throw new NotSupportedException($"A null {type.Name} parameter ({property.Name}).");
                    command.Parameters.Add(new NpgsqlParameter(property.Name, dbType) { Value = DBNull.Value });
                }
            }
        return command;
    }
}
