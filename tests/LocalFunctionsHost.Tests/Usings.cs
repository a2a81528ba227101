global using ReferralIntake.Functions.Tests.Support;
