"""asyncio.gather runs three fetches at once and waits for all of them."""
import asyncio


async def fetch_user(user_id):
    await asyncio.sleep(0.1 * user_id)
    return f"user {user_id}"


async def main():
    users = await asyncio.gather(fetch_user(1), fetch_user(2), fetch_user(3))
    print(", ".join(users))


asyncio.run(main())
