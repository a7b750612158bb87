using Declaration.Host.Web;
using Declaration.Units.Contracts;

namespace Declaration.Host.Pages.Unit;

public sealed class HistoryModel : AppPageModel
{
    public IReadOnlyList<UnitHistoryEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync() => Entries = await Sender.Send(new GetUnitHistory(UnitId));
}
