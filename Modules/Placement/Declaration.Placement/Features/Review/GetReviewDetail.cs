using Declaration.BuildingBlocks.Errors;
using Declaration.Placement.Contracts;
using Declaration.Placement.Features.Results;
using Mediator;

namespace Declaration.Placement.Features.Review;

/// <summary>What a reviewer's page shows of one placement: the unit, the masked person, the dispute and the month table with decisions.</summary>
internal sealed class GetReviewDetailHandler(ReviewAccess access, ResultComposer composer) : IQueryHandler<GetReviewDetail, ReviewDetailDto>
{
    public async ValueTask<ReviewDetailDto> Handle(GetReviewDetail query, CancellationToken ct)
    {
        var (unit, p) = await access.ForReviewAsync(query.PlacementId, ct, forUpdate: false);
        var result = await composer.ForPlacementAsync(p.Id, ct) ?? throw new NotFoundException("该申报记录尚无认证结果");
        return new ReviewDetailDto(p.Id, p.UnitId, unit.CreditCode, unit.Name, p.BusinessYear, p.IdNumberMasked, p.NameMasked, p.State, p.DisputedMonths,
            p.DisputeReason, p.ReturnReason, p.SubmittedAt, result);
    }
}
