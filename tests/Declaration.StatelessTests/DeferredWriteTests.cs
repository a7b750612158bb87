using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Declaration.StatelessTests.TwoInstances;

namespace Declaration.StatelessTests;

/// <summary>
/// <see cref="IDbSession.DeferAsync"/>: a queued write keeps its place among the session's statements, goes with the COMMIT when
/// queued last, and is dropped by a rollback; outside a transaction it runs at once. <see cref="IDbSession.UseGenericPlans"/> travels
/// the same way: with the session's next statement, whichever path sends it, and ends with the transaction.
/// </summary>
public sealed class DeferredWriteTests
{
    [SetUp]
    public Task ResetAsync() => A.ResetAsync();

    private static NpgsqlBatchCommand Stamp(Guid unit) =>
        new("INSERT INTO platform.unit_change (unit_id, n) VALUES ($1, 1)") { Parameters = { new NpgsqlParameter<Guid> { TypedValue = unit } } };

    private static Task<long> CountAsync(IDbSession db, Guid unit) =>
        db.ExecuteScalarAsync<long>("SELECT count(*) FROM platform.unit_change WHERE unit_id = @unit", new { unit }, CancellationToken.None);

    [Test]
    public async Task AQueuedWrite_IsSeenByTheSessionsNextStatement_AndGoesWithTheCommit()
    {
        var (first, last) = (Guid.NewGuid(), Guid.NewGuid());
        var (seenInside, committed, afterCommitRan) = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var ran = false;
            await db.BeginAsync(CancellationToken.None);
            await db.DeferAsync(Stamp(first), CancellationToken.None);
            var seen = await CountAsync(db, first);
            await db.DeferAsync(Stamp(last), CancellationToken.None);
            db.AfterCommit(() => ran = true);
            await db.CommitAsync(CancellationToken.None);
            return (seen, await CountAsync(db, last), ran);
        });
        Assert.Multiple(() =>
        {
            Assert.That(seenInside, Is.EqualTo(1), "queued before the read, sent before it");
            Assert.That(committed, Is.EqualTo(1), "queued last, committed with the COMMIT");
            Assert.That(afterCommitRan, Is.True);
        });
    }

    [Test]
    public async Task AQueuedWrite_IsDroppedByARollback_AndRunsAtOnceOutsideATransaction()
    {
        var (rolledBack, alone) = (Guid.NewGuid(), Guid.NewGuid());
        var counts = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await db.DeferAsync(Stamp(rolledBack), CancellationToken.None);
            await db.RollbackAsync(CancellationToken.None);
            await db.DeferAsync(Stamp(alone), CancellationToken.None);
            return (await CountAsync(db, rolledBack), await CountAsync(db, alone));
        });
        Assert.That(counts, Is.EqualTo((0L, 1L)));
    }

    [Test]
    public async Task AFailingQueuedWrite_FailsTheCommit_AndTheTransactionRollsBack()
    {
        var kept = Guid.NewGuid();
        var (failed, count) = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await db.DeferAsync(Stamp(kept), CancellationToken.None);
            await db.DeferAsync(new NpgsqlBatchCommand("INSERT INTO platform.unit_change (unit_id, n) VALUES (NULL, 1)"), CancellationToken.None);
            Exception? error = null;
            try { await db.CommitAsync(CancellationToken.None); }
            catch (PostgresException ex) { error = ex; await db.RollbackAsync(CancellationToken.None); }
            return (error, await CountAsync(db, kept));
        });
        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.InstanceOf<PostgresException>());
            Assert.That(count, Is.EqualTo(0), "the write queued before the failing one is rolled back with it");
        });
    }

    /// <summary>A queued write that records the plan mode it ran under (its row's n: 1 generic, 0 not).</summary>
    private static NpgsqlBatchCommand RecordingPlanMode(Guid unit) =>
        new("INSERT INTO platform.unit_change (unit_id, n) SELECT $1, (current_setting('plan_cache_mode') = 'force_generic_plan')::int")
        { Parameters = { new NpgsqlParameter<Guid> { TypedValue = unit } } };

    private static Task<string?> PlanModeAsync(IDbSession db) =>
        db.ExecuteScalarAsync<string>("SELECT current_setting('plan_cache_mode')", null, CancellationToken.None);

    [Test]
    public async Task GenericPlans_HoldForTheRestOfTheTransaction_WhateverItsNextStatementIs_AndEndWithIt()
    {
        var modes = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var seen = new List<string?>();
            // A read through the session carries the setting.
            await db.BeginAsync(CancellationToken.None);
            seen.Add(await PlanModeAsync(db));
            db.UseGenericPlans();
            seen.Add(await PlanModeAsync(db));
            await db.CommitAsync(CancellationToken.None);
            seen.Add(await PlanModeAsync(db));
            // A caller's own batch on the session's connection, then queued writes going with the COMMIT.
            await db.BeginAsync(CancellationToken.None);
            db.UseGenericPlans();
            await using (var batch = new NpgsqlBatch(await db.ConnectionAsync(CancellationToken.None), db.Transaction)
                         { BatchCommands = { new NpgsqlBatchCommand("SELECT current_setting('plan_cache_mode')") } })
                seen.Add((string?)await batch.ExecuteScalarAsync());
            await db.RollbackAsync(CancellationToken.None);
            seen.Add(await PlanModeAsync(db));
            return seen;
        });
        Assert.That(modes, Is.EqualTo(new[] { "force_custom_plan", "force_generic_plan", "force_custom_plan", "force_generic_plan", "force_custom_plan" }));
    }

    [Test]
    public async Task GenericPlans_SetOnlyWithQueuedWritesLeft_GoWithThemAndTheCommit()
    {
        var unit = Guid.NewGuid();
        var (generic, committed) = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            db.UseGenericPlans();
            await db.DeferAsync(RecordingPlanMode(unit), CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return (await db.ExecuteScalarAsync<decimal>("SELECT n FROM platform.unit_change WHERE unit_id = @unit", new { unit }, CancellationToken.None),
                db.GenericPlans);
        });
        Assert.Multiple(() =>
        {
            Assert.That(generic, Is.EqualTo(1m), "the setting went first in the batch with the COMMIT");
            Assert.That(committed, Is.False, "the session forgets the setting with its transaction");
        });
    }

    [Test]
    public async Task CustomPlansAgain_AfterQueuedGenericWrites_FollowThem_AndNotReachBack()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var (modes, flags) = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var seen = new List<bool>();
            await db.BeginAsync(CancellationToken.None);
            // One unit of work by key, then one of another kind in the same transaction (as a batch of inbox deliveries).
            db.UseGenericPlans();
            await db.DeferAsync(RecordingPlanMode(first), CancellationToken.None);
            db.UseCustomPlans();
            seen.Add(db.GenericPlans);
            await db.DeferAsync(RecordingPlanMode(second), CancellationToken.None);
            var now = await PlanModeAsync(db);
            // Set and ended with nothing sent in between: nothing to send.
            db.UseGenericPlans();
            db.UseCustomPlans();
            var after = await PlanModeAsync(db);
            await db.CommitAsync(CancellationToken.None);
            var rows = await db.QueryAsync<(Guid, int)>("SELECT unit_id, n::int FROM platform.unit_change WHERE unit_id = ANY(@units)",
                new { units = new[] { first, second } }, CancellationToken.None);
            var n = rows.ToDictionary(r => r.Item1, r => r.Item2);
            return (new[] { n[first], n[second] }, (seen[0], now, after));
        });
        Assert.Multiple(() =>
        {
            Assert.That(modes, Is.EqualTo(new[] { 1, 0 }), "the write queued before the reset ran generic, the one after it did not");
            Assert.That(flags, Is.EqualTo((false, "force_custom_plan", "force_custom_plan")));
        });
    }

    [Test]
    public void GenericPlans_OutsideATransaction_AreRefused()
    {
        Assert.ThrowsAsync<InvalidOperationException>(() => InScopeAsync(A.Services, sp =>
        {
            sp.GetRequiredService<IDbSession>().UseGenericPlans();
            return Task.FromResult(0);
        }));
    }

    [Test]
    public async Task AWrappedStatement_RunsGeneric_AndLeavesTheSessionAsItWas()
    {
        const string mode = "SELECT current_setting('plan_cache_mode')";
        var seen = await InScopeAsync(A.Services, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var list = new List<string?>();
            // Outside a transaction: one of its own, committed (the session is outside one afterwards).
            list.Add(await db.ExecuteScalarAsync<string>(GenericPlan.Wrap(mode, db), null, CancellationToken.None));
            // (Inside a transaction left open, the statement after a failing one would be refused: 25P02.)
            try { await db.ExecuteScalarAsync<int>("SELECT 1 / 0", null, CancellationToken.None); }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DivisionByZero) { }
            list.Add(await PlanModeAsync(db) + " after");
            // Inside the caller's: the setting back to what the transaction had.
            await db.BeginAsync(CancellationToken.None);
            list.Add(await db.ExecuteScalarAsync<string>(GenericPlan.Wrap(mode, db), null, CancellationToken.None));
            list.Add(await PlanModeAsync(db));
            db.UseGenericPlans();
            list.Add(await db.ExecuteScalarAsync<string>(GenericPlan.Wrap(mode, db), null, CancellationToken.None));
            list.Add(await PlanModeAsync(db));
            await db.RollbackAsync(CancellationToken.None);
            return list;
        });
        Assert.That(seen, Is.EqualTo(new[]
        {
            "force_generic_plan", "force_custom_plan after", "force_generic_plan", "force_custom_plan", "force_generic_plan", "force_generic_plan",
        }));
    }
}
