// The smallest ASP.NET Core app that accepts a POST: the floor for ReferralIntake's start-up time.
var app = WebApplication.CreateSlimBuilder(args).Build();
app.MapPost("/", () => Results.StatusCode(StatusCodes.Status202Accepted));
app.Run();
