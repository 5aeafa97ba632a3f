from __future__ import annotations

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Book, BookIn, BookOut


def _out(book: Book) -> BookOut:
    return BookOut(id=book.id, isbn=book.isbn, title=book.title, author=book.author)


class BookController(Controller):
    path = "/books"
    tags = ["books"]

    @get()
    async def list_books(self, db: AsyncSession, author: str | None = None) -> list[BookOut]:
        query = select(Book).order_by(Book.title)
        if author:
            query = query.where(Book.author == author)
        return [_out(b) for b in await db.scalars(query)]

    @get("/{book_id:int}")
    async def get_book(self, db: AsyncSession, book_id: int) -> BookOut:
        book = await db.get(Book, book_id)
        if book is None:
            raise NotFoundException()
        return _out(book)

    @post()
    async def create_book(self, db: AsyncSession, data: BookIn) -> BookOut:
        book = Book(isbn=data.isbn, title=data.title, author=data.author)
        db.add(book)
        await db.commit()
        return _out(book)
